#include "trajectory_view.h"

#include <QVBoxLayout>
#include <qcustomplot.h>

#include "plot_style.h"

namespace lamina {

TrajectoryView::TrajectoryView(QWidget* parent) : QWidget(parent), mPlot(new QCustomPlot(this)) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(mPlot);
    stylePlot(mPlot);
    mPlot->setMinimumSize(360, 260);
    mPlot->setInteraction(QCP::iSelectPlottables, true);
    connect(mPlot, &QCustomPlot::plottableClick, this, [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
        const QVariant index = plottable->property("trajectory");
        if (index.isValid()) Q_EMIT stepSelected(index.toInt(), dataIndex);
    });
}

void TrajectoryView::setTrajectories(std::vector<Trajectory> trajectories, int64_t layers) {
    mTrajectories = std::move(trajectories);
    mLayers = std::max<int64_t>(1, layers);
    redraw();
}

void TrajectoryView::setCurrent(std::optional<std::pair<double, double>> fractionAndPpl,
                                std::optional<std::pair<double, double>> repaired, const QString& repairName) {
    mCurrent = fractionAndPpl;
    mRepaired = repaired;
    mRepairName = repairName;
    redraw();
}

void TrajectoryView::setRepaired(std::vector<std::vector<double>> perplexities, const QString& repairName) {
    mRepairedCurves = std::move(perplexities);
    if (!repairName.isEmpty()) mRepairName = repairName;
    redraw();
}

std::vector<std::pair<double, double>> TrajectoryView::points(std::size_t index) const {
    std::vector<std::pair<double, double>> out;
    const Trajectory& t = mTrajectories.at(index);
    if (t.cumulative) out.emplace_back(0.0, t.basePerplexity);
    for (const TrajectoryStep& s : t.steps) {
        out.emplace_back(static_cast<double>(s.removedSublayers) / (2.0 * mLayers), s.perplexity);
    }
    return out;
}

void TrajectoryView::redraw() {
    mPlot->clearGraphs();
    double hi = 1, right = 0.3;
    for (std::size_t i = 0; i < mTrajectories.size(); ++i) {
        QCPGraph* g = mPlot->addGraph();
        g->setName(QString::fromStdString(mTrajectories[i].method));
        g->setProperty("trajectory", static_cast<int>(i));
        const QColor c = seriesColor(static_cast<int>(i));
        g->setPen(QPen(c, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, c, c, 5));
        // A search's answers are separate configurations, one per ratio: points, no line.
        const auto& steps = mTrajectories[i].steps;
        if (!steps.empty() && steps.front().kind == StepKind::Set) {
            g->setLineStyle(QCPGraph::lsNone);
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDiamond, c, c, 10));
        }
        g->setSelectable(QCP::stSingleData);
        for (const auto& [x, y] : points(i)) {
            g->addData(x, y);
            hi = std::max(hi, y);
            right = std::max(right, x);
        }
    }
    for (std::size_t i = 0; i < mRepairedCurves.size() && i < mTrajectories.size(); ++i) {
        const Trajectory& t = mTrajectories[i];
        if (mRepairedCurves[i].size() != t.steps.size() || t.steps.empty()) continue;
        QCPGraph* g = mPlot->addGraph();
        g->setName(tr("%1, %2 repair").arg(QString::fromStdString(t.method), mRepairName));
        const QColor c = seriesColor(static_cast<int>(i));
        g->setPen(QPen(c, 1.5, Qt::DashLine));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(c, 1.5), Qt::white, 5));
        if (t.cumulative) g->addData(0.0, t.basePerplexity);
        for (std::size_t k = 0; k < t.steps.size(); ++k) {
            const double x = static_cast<double>(t.steps[k].removedSublayers) / (2.0 * mLayers);
            g->addData(x, mRepairedCurves[i][k]);
            hi = std::max(hi, mRepairedCurves[i][k]);
        }
    }
    if (mCurrent) {
        QCPGraph* g = mPlot->addGraph();
        g->setName(tr("current plan"));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssStar, QPen(Qt::black, 2), Qt::NoBrush, 14));
        g->addData(mCurrent->first, mCurrent->second);
        hi = std::max(hi, mCurrent->second);
    }
    if (mRepaired) {
        QCPGraph* g = mPlot->addGraph();
        g->setName(tr("current plan, %1 repair").arg(mRepairName));
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCrossCircle, QPen(Qt::black, 2), Qt::NoBrush, 12));
        g->addData(mRepaired->first, mRepaired->second);
        hi = std::max(hi, mRepaired->second);
    }
    mPlot->xAxis->setLabel(tr("fraction of sublayers removed"));
    mPlot->yAxis->setLabel(tr("calibration perplexity"));
    mPlot->yAxis->setScaleType(QCPAxis::stLogarithmic);
    mPlot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    mPlot->xAxis->setRange(-0.02, std::min(1.02, right + 0.05));
    double lo = hi;
    for (int k = 0; k < mPlot->graphCount(); ++k) {
        bool found = false;
        const QCPRange r = mPlot->graph(k)->getValueRange(found);
        if (found) lo = std::min(lo, r.lower);
    }
    mPlot->yAxis->setRange(lo / 1.2, std::min(hi * 1.2, lo * 1e4));
    mPlot->legend->setVisible(!mTrajectories.empty());
    mPlot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    mPlot->replot();
}

}  // namespace lamina
