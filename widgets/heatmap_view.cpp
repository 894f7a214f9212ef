#include "heatmap_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

#include "plot_style.h"

namespace lamina {

namespace {

QString variantOf(const SimilarityMatrix& m) {
    return QString::fromStdString(m.measure + "/" + m.representation);
}

QString measureTitle(const SimilarityMatrix& m) {
    static const std::map<std::string, QString> names = {
        {"cka_linear", QObject::tr("linear CKA")},
        {"cka_unbiased", QObject::tr("unbiased minibatch CKA")},
        {"cka_rbf", QObject::tr("RBF CKA")},
        {"cosine", QObject::tr("cosine similarity")},
        {"angular_distance", QObject::tr("angular distance")}};
    const auto it = names.find(m.measure);
    const QString name = it != names.end() ? it->second : QString::fromStdString(m.measure);
    return m.representation == "sublayer" ? QObject::tr("%1, sublayer outputs").arg(name)
                                          : QObject::tr("%1, block outputs").arg(name);
}

// Perceptually uniform (viridis-like) gradient: five stops of matplotlib's viridis.
QCPColorGradient viridis() {
    QCPColorGradient g;
    g.clearColorStops();
    g.setColorStopAt(0.0, QColor(68, 1, 84));
    g.setColorStopAt(0.25, QColor(59, 82, 139));
    g.setColorStopAt(0.5, QColor(33, 145, 140));
    g.setColorStopAt(0.75, QColor(94, 201, 98));
    g.setColorStopAt(1.0, QColor(253, 231, 37));
    return g;
}

}  // namespace

HeatmapView::HeatmapView(QWidget* parent)
    : QWidget(parent),
      mVariant(new QComboBox(this)),
      mThreshold(new QDoubleSpinBox(this)),
      mReadout(new QLabel(this)),
      mPlot(new QCustomPlot(this)) {
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Measure:"), this));
    controls->addWidget(mVariant, 1);
    controls->addWidget(new QLabel(tr("Patch threshold:"), this));
    mThreshold->setRange(0.0, 1.0);
    mThreshold->setSingleStep(0.01);
    mThreshold->setDecimals(2);
    mThreshold->setValue(0.9);
    mThreshold->setToolTip(tr("Runs of consecutive layers whose every pair is at least this "
                              "similar are outlined as patches"));
    controls->addWidget(mThreshold);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(mPlot, 1);
    mReadout->setText(tr("Hover over a cell to read it; click to select a layer pair."));
    layout->addWidget(mReadout);
    stylePlot(mPlot);
    mPlot->setMinimumSize(360, 320);
    mScale = new QCPColorScale(mPlot);
    mPlot->plotLayout()->addElement(0, 1, mScale);
    mScale->setType(QCPAxis::atRight);
    auto* margins = new QCPMarginGroup(mPlot);
    mPlot->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    mScale->setMarginGroup(QCP::msBottom | QCP::msTop, margins);
    connect(mVariant, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    connect(mThreshold, &QDoubleSpinBox::valueChanged, this, [this] { redraw(); });
    connect(mPlot, &QCustomPlot::mouseMove, this, &HeatmapView::hover);
    connect(mPlot, &QCustomPlot::mousePress, this, &HeatmapView::click);
    setMouseTracking(true);
}

void HeatmapView::setMatrices(std::vector<SimilarityMatrix> matrices) {
    const QString previous = mVariant->currentData().toString();
    mMatrices = std::move(matrices);
    const QSignalBlocker block(mVariant);
    mVariant->clear();
    for (const SimilarityMatrix& m : mMatrices) mVariant->addItem(measureTitle(m), variantOf(m));
    const int keep = mVariant->findData(previous);
    mVariant->setCurrentIndex(keep >= 0 ? keep : 0);
    redraw();
}

void HeatmapView::setMergeGroups(const std::vector<Patch>& groups) {
    mMerges = groups;
    redraw();
}

bool HeatmapView::selectVariant(const QString& variant) {
    const int i = mVariant->findData(variant);
    if (i < 0) return false;
    mVariant->setCurrentIndex(i);
    return true;
}

const SimilarityMatrix* HeatmapView::current() const {
    const int i = mVariant->currentIndex();
    return i >= 0 && i < static_cast<int>(mMatrices.size()) ? &mMatrices[static_cast<std::size_t>(i)] : nullptr;
}

double HeatmapView::displayedValue(int i, int j) const {
    return mMap != nullptr ? mMap->data()->cell(j, i) : std::nan("");
}

void HeatmapView::redraw() {
    mPlot->clearPlottables();
    mPlot->clearItems();
    mMap = nullptr;
    mPatches.clear();
    const SimilarityMatrix* m = current();
    if (m == nullptr || m->size() == 0) {
        mPlot->replot();
        return;
    }
    const int n = static_cast<int>(m->size());
    mMap = new QCPColorMap(mPlot->xAxis, mPlot->yAxis);
    mMap->data()->setSize(n, n);
    mMap->data()->setRange(QCPRange(0, n - 1), QCPRange(0, n - 1));
    double lo = 1e300, hi = -1e300;
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            const double v = m->at(i, j);
            mMap->data()->setCell(j, i, v);
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
    }
    const bool distance = m->measure == "angular_distance";
    mMap->setInterpolate(false);
    QCPColorScale* scale = mScale;
    mMap->setColorScale(scale);  // from here on the map follows the scale's range and gradient
    scale->setGradient(distance ? viridis().inverted() : viridis());
    // Similarities up to 1; the lower end is the data's own, so the patches stand out.
    scale->setDataRange(distance ? QCPRange(0.0, std::max(hi, 1e-9)) : QCPRange(std::min(lo, 0.999), 1.0));
    scale->axis()->setLabel(measureTitle(*m));

    // Tick labels: the layer names, thinned to at most ~17 per axis.
    auto ticker = QSharedPointer<QCPAxisTickerText>::create();
    const int every = std::max(1, n / 16);
    for (int i = 0; i < n; i += every) ticker->addTick(i, QString::fromStdString(m->labels[static_cast<std::size_t>(i)]));
    mPlot->xAxis->setTicker(ticker);
    mPlot->yAxis->setTicker(ticker);
    mPlot->xAxis->setTickLabelRotation(n > 20 ? 60 : 0);
    mPlot->xAxis->setRange(-0.5, n - 0.5);
    mPlot->yAxis->setRange(-0.5, n - 0.5);
    mPlot->yAxis->setRangeReversed(true);  // layer 0 at the top, as a matrix is read
    mPlot->xAxis->setLabel(m->representation == "sublayer" ? tr("sublayer output") : tr("residual stream h_i"));
    mPlot->yAxis->setLabel(mPlot->xAxis->label());
    mPlot->xAxis->grid()->setVisible(false);
    mPlot->yAxis->grid()->setVisible(false);

    const auto outline = [this](const Patch& p, const QPen& pen) {
        auto* r = new QCPItemRect(mPlot);
        r->topLeft->setCoords(p.first - 0.5, p.first - 0.5);
        r->bottomRight->setCoords(p.last + 0.5, p.last + 0.5);
        r->setPen(pen);
        r->setBrush(Qt::NoBrush);
    };
    if (!distance) {
        mPatches = detectPatches(*m, mThreshold->value());
        for (const Patch& p : mPatches) outline(p, QPen(Qt::white, 2, Qt::DashLine));
    }
    if (m->representation == "residual") {
        // A merge of blocks [a, b] joins the residual states h_a … h_{b+1}.
        for (const Patch& g : mMerges) outline({g.first, g.last + 1}, QPen(mergedColor(), 3));
    }
    if (mSelectedI >= 0 && mSelectedI < n && mSelectedJ < n) {
        auto* r = new QCPItemRect(mPlot);
        r->topLeft->setCoords(mSelectedJ - 0.5, mSelectedI - 0.5);
        r->bottomRight->setCoords(mSelectedJ + 0.5, mSelectedI + 0.5);
        r->setPen(QPen(Qt::red, 2));
    }
    mPlot->replot();
}

bool HeatmapView::cellAt(const QPointF& pos, int& i, int& j) const {
    const SimilarityMatrix* m = current();
    if (m == nullptr || mMap == nullptr) return false;
    j = static_cast<int>(std::lround(mPlot->xAxis->pixelToCoord(pos.x())));
    i = static_cast<int>(std::lround(mPlot->yAxis->pixelToCoord(pos.y())));
    return i >= 0 && j >= 0 && i < m->size() && j < m->size() && mPlot->axisRect()->rect().contains(pos.toPoint());
}

void HeatmapView::hover(QMouseEvent* event) {
    int i = 0, j = 0;
    if (!cellAt(event->position(), i, j)) return;
    const SimilarityMatrix& m = *current();
    mReadout->setText(tr("%1 × %2: %3").arg(QString::fromStdString(m.labels[static_cast<std::size_t>(i)]),
                                            QString::fromStdString(m.labels[static_cast<std::size_t>(j)]))
                          .arg(m.at(i, j), 0, 'f', 4));
}

void HeatmapView::click(QMouseEvent* event) {
    int i = 0, j = 0;
    if (!cellAt(event->position(), i, j)) return;
    mSelectedI = i;
    mSelectedJ = j;
    redraw();
    Q_EMIT pairSelected(i, j);
}

}  // namespace lamina
