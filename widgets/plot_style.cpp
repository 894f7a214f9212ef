#include "plot_style.h"

#include <QFileInfo>
#include <QPainter>
#include <QSvgGenerator>
#include <qcustomplot.h>

namespace lamina {

void stylePlot(QCustomPlot* plot) {
    QFont font = plot->font();
    font.setPointSize(10);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setLabelFont(font);
        axis->setTickLabelFont(font);
        axis->grid()->setPen(QPen(QColor(0, 0, 0, 28), 0, Qt::SolidLine));
        axis->grid()->setSubGridVisible(false);
    }
    plot->legend->setFont(font);
    plot->legend->setBorderPen(QPen(QColor(0, 0, 0, 60)));
    plot->setBackground(plot->palette().base());
    plot->setAntialiasedElements(QCP::aeAll);
}

QColor attentionColor() { return QColor(0, 114, 178); }   // blue
QColor ffnColor() { return QColor(230, 159, 0); }         // orange
QColor removedColor() { return QColor(213, 94, 0); }      // vermillion
QColor mergedColor() { return QColor(204, 121, 167); }    // reddish purple

QColor seriesColor(int index) {
    static const QColor palette[] = {QColor(0, 114, 178), QColor(230, 159, 0), QColor(0, 158, 115),
                                     QColor(204, 121, 167), QColor(86, 180, 233), QColor(213, 94, 0),
                                     QColor(240, 228, 66), QColor(0, 0, 0)};
    return palette[index % 8];
}

QString savePlot(QCustomPlot* plot, const QString& file) {
    const QString suffix = QFileInfo(file).suffix().toLower();
    const int w = plot->width(), h = plot->height();
    bool ok = false;
    if (suffix == "png") {
        ok = plot->savePng(file, w, h, 3.0, -1, 300);
    } else if (suffix == "pdf") {
        ok = plot->savePdf(file, w, h);
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(file);
        svg.setSize(QSize(w, h));
        svg.setViewBox(QRect(0, 0, w, h));
        svg.setTitle(QStringLiteral("Lamina figure"));
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, w, h);
            ok = painter.end();
        }
    } else {
        return QObject::tr("unknown figure format '%1' (use .png, .svg or .pdf)").arg(suffix);
    }
    return ok ? QString() : QObject::tr("could not write %1").arg(file);
}

}  // namespace lamina
