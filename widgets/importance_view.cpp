#include "importance_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <cmath>

#include "analysis/metric.h"
#include "model/unit.h"
#include "plot_style.h"

namespace lamina {

namespace {

QString metricTitle(const std::string& metric) {
    const MetricInfo* m = findMetric(metric);
    return m != nullptr ? QObject::tr(m->label) : QString::fromStdString(metric);
}

}  // namespace

ImportanceView::ImportanceView(QWidget* parent)
    : QWidget(parent), mMetric(new QComboBox(this)), mLog(new QCheckBox(tr("Log scale"), this)), mPlot(new QCustomPlot(this)) {
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Metric:"), this));
    controls->addWidget(mMetric, 1);
    controls->addWidget(mLog);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(mPlot, 1);
    stylePlot(mPlot);
    mPlot->setMinimumSize(360, 260);
    mLog->setToolTip(tr("Logarithmic value axis (positive values only)"));
    mLog->setChecked(true);  // the metrics span orders of magnitude (block 0 vs the rest)
    connect(mMetric, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
    connect(mLog, &QCheckBox::toggled, this, [this] { redraw(); });
}

void ImportanceView::setScores(std::vector<ImportanceScores> scores) {
    const QString previous = mMetric->currentData().toString();
    mScores = std::move(scores);
    const QSignalBlocker block(mMetric);
    mMetric->clear();
    for (const ImportanceScores& s : mScores) mMetric->addItem(metricTitle(s.metric), QString::fromStdString(s.metric));
    const int keep = mMetric->findData(previous);
    mMetric->setCurrentIndex(keep >= 0 ? keep : std::max(0, mMetric->findData("js_drop")));
    redraw();
}

void ImportanceView::setPlan(const EditablePlan& plan) {
    mPlan = plan;
    redraw();
}

bool ImportanceView::selectMetric(const QString& metric) {
    const int i = mMetric->findData(metric);
    if (i < 0) return false;
    mMetric->setCurrentIndex(i);
    return true;
}

void ImportanceView::setLogScale(bool on) { mLog->setChecked(on); }

const ImportanceScores* ImportanceView::current() const {
    const int i = mMetric->currentIndex();
    return i >= 0 && i < static_cast<int>(mScores.size()) ? &mScores[static_cast<std::size_t>(i)] : nullptr;
}

std::vector<std::pair<double, double>> ImportanceView::curve(const QString& kind) const {
    std::vector<std::pair<double, double>> points;
    const ImportanceScores* s = current();
    if (s == nullptr) return points;
    const std::string prefix = kind.toStdString() + ".";
    // 2-D metrics (angular: spans n × layer) show their first row, n = 1.
    const std::size_t count = s->shape.size() == 2 ? static_cast<std::size_t>(s->shape[1]) : s->units.size();
    for (std::size_t k = 0; k < count && k < s->units.size(); ++k) {
        const std::string& u = s->units[k];
        if (u.rfind(prefix, 0) != 0) continue;
        const double v = s->values[k];
        if (std::isfinite(v)) points.emplace_back(parseUnit(u).layer, v);
    }
    return points;
}

void ImportanceView::redraw() {
    mPlot->clearGraphs();
    const ImportanceScores* s = current();
    if (s == nullptr) {
        mPlot->replot();
        return;
    }
    const bool log = mLog->isChecked();
    double lo = 1e300, hi = -1e300;
    const auto addCurve = [&](const QString& kind, const QString& name, const QColor& color) {
        const auto points = curve(kind);
        if (points.empty()) return;
        QCPGraph* g = mPlot->addGraph();
        g->setName(name);
        g->setPen(QPen(color, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, color, Qt::white, 6));
        QCPGraph* removed = mPlot->addGraph();
        removed->setName(tr("removed by the plan"));
        removed->setLineStyle(QCPGraph::lsNone);
        removed->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCross, QPen(removedColor(), 2.5), Qt::NoBrush, 11));
        removed->removeFromLegend();
        for (const auto& [layer, value] : points) {
            if (log && value <= 0) continue;
            g->addData(layer, value);
            lo = std::min(lo, value);
            hi = std::max(hi, value);
            const auto i = static_cast<int64_t>(layer);
            const bool gone = i < mPlan.layers() &&
                              ((kind == "attn" && mPlan.attnState(i) != SublayerState::Kept) ||
                               (kind == "mlp" && mPlan.mlpState(i) != SublayerState::Kept) ||
                               (kind == "block" && mPlan.attnState(i) != SublayerState::Kept && mPlan.mlpState(i) != SublayerState::Kept));
            if (gone) removed->addData(layer, value);
        }
    };
    addCurve("attn", tr("attention"), attentionColor());
    addCurve("mlp", tr("FFN"), ffnColor());
    addCurve("block", tr("block"), seriesColor(2));
    mPlot->xAxis->setLabel(tr("layer"));
    auto ticker = QSharedPointer<QCPAxisTickerFixed>::create();
    ticker->setTickStep(1.0);
    ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);  // integers, thinned on deep models
    mPlot->xAxis->setTicker(ticker);
    mPlot->yAxis->setLabel(metricTitle(s->metric));
    if (log) {
        mPlot->yAxis->setScaleType(QCPAxis::stLogarithmic);
        mPlot->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>::create());
    } else {
        mPlot->yAxis->setScaleType(QCPAxis::stLinear);
        mPlot->yAxis->setTicker(QSharedPointer<QCPAxisTicker>::create());
    }
    mPlot->xAxis->rescale();
    mPlot->xAxis->setRange(mPlot->xAxis->range().lower - 0.5, mPlot->xAxis->range().upper + 0.5);
    if (hi >= lo) {
        const double pad = log ? 0 : 0.05 * (hi - lo + 1e-12);
        mPlot->yAxis->setRange(log ? lo / 1.5 : lo - pad, log ? hi * 1.5 : hi + pad);
    }
    mPlot->legend->setVisible(true);
    mPlot->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    mPlot->replot();
}

}  // namespace lamina
