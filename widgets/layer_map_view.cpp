#include "layer_map_view.h"

#include <QHelpEvent>
#include <QLocale>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include "plot_style.h"

namespace lamina {

namespace {

constexpr int kTop = 28, kLabel = 72, kCellW = 92, kGap = 6, kBracket = 18;

int rowHeight(int64_t layers) { return layers > 40 ? 12 : layers > 24 ? 16 : 22; }

}  // namespace

LayerMapView::LayerMapView(QWidget* parent) : QWidget(parent) {
    setMouseTracking(true);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Expanding);
}

void LayerMapView::setModel(const ModelSummary& summary) {
    mSummary = summary;
    mPlan = EditablePlan::empty(summary.config.numLayers);
    mPreview.clear();
    updateGeometry();
    update();
}

void LayerMapView::setPlan(const EditablePlan& plan) {
    mPlan = plan;
    update();
}

void LayerMapView::setPreviewMerges(std::vector<PlanOperation> merges) {
    mPreview = std::move(merges);
    update();
}

void LayerMapView::setHighlight(int64_t first, int64_t last) {
    mHighlightFirst = first;
    mHighlightLast = last;
    update();
}

QSize LayerMapView::sizeHint() const {
    const int64_t L = mPlan.layers();
    return {kLabel + 2 * kCellW + kGap + kBracket + 16, kTop + static_cast<int>(L) * rowHeight(L) + 8};
}

QRect LayerMapView::cellRect(int64_t layer, int column) const {
    const int h = rowHeight(mPlan.layers());
    const int y = kTop + static_cast<int>(layer) * h;
    if (column < 0) return {4, y, kLabel - 8, h - 2};
    return {kLabel + column * (kCellW + kGap), y, kCellW, h - 2};
}

bool LayerMapView::absent(int64_t layer, int column) const {
    const ModelConfig& c = mSummary.config;
    if (layer >= c.numLayers) return false;
    return column == 0 ? !c.hasAttention(layer) : !c.hasMlp(layer);
}

std::optional<Unit> LayerMapView::unitAt(const QPoint& pos) const {
    for (int64_t i = 0; i < mPlan.layers(); ++i) {
        if (cellRect(i, -1).contains(pos)) return Unit{Unit::Kind::Block, i};
        if (cellRect(i, 0).contains(pos) && !absent(i, 0)) return Unit{Unit::Kind::Attn, i};
        if (cellRect(i, 1).contains(pos) && !absent(i, 1)) return Unit{Unit::Kind::Mlp, i};
    }
    return std::nullopt;
}

QPoint LayerMapView::cellCenter(const Unit& unit) const {
    const int column = unit.kind == Unit::Kind::Attn ? 0 : unit.kind == Unit::Kind::Mlp ? 1 : -1;
    return cellRect(unit.layer, column).center();
}

void LayerMapView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QPalette pal = palette();
    p.fillRect(rect(), pal.base());
    p.setPen(pal.text().color());
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    p.drawText(QRect(kLabel, 4, kCellW, kTop - 8), Qt::AlignCenter, tr("attention"));
    p.drawText(QRect(kLabel + kCellW + kGap, 4, kCellW, kTop - 8), Qt::AlignCenter, tr("FFN"));
    p.setFont(font());
    const auto inPreview = [this](int64_t layer) {
        for (const PlanOperation& m : mPreview) {
            if (layer >= m.layer && layer <= m.lastLayer) return true;
        }
        return false;
    };
    for (int64_t i = 0; i < mPlan.layers(); ++i) {
        p.setPen(pal.text().color());
        p.drawText(cellRect(i, -1), Qt::AlignRight | Qt::AlignVCenter, tr("block %1").arg(i));
        for (int column = 0; column < 2; ++column) {
            if (absent(i, column)) {  // not in the checkpoint (a pruned import): an empty slot
                const QRect r = cellRect(i, column);
                p.setPen(QPen(pal.mid().color(), 1, Qt::DashLine));
                p.setBrush(Qt::NoBrush);
                p.drawRoundedRect(r, 3, 3);
                p.setPen(pal.mid().color());
                p.drawText(r, Qt::AlignCenter, tr("absent"));
                continue;
            }
            const SublayerState state = column == 0 ? mPlan.attnState(i) : mPlan.mlpState(i);
            const QColor kept = column == 0 ? attentionColor() : ffnColor();
            QColor fill = state == SublayerState::Kept ? kept.lighter(150)
                          : state == SublayerState::Removed ? pal.window().color()
                                                            : mergedColor().lighter(130);
            const QRect r = cellRect(i, column);
            p.setPen(QPen(state == SublayerState::Removed ? removedColor() : kept.darker(120), 1.2));
            p.setBrush(fill);
            p.drawRoundedRect(r, 3, 3);
            if (state == SublayerState::Removed) {
                p.setPen(QPen(removedColor(), 2));
                p.drawLine(r.topLeft() + QPoint(6, 3), r.bottomRight() - QPoint(6, 3));
                p.drawLine(r.bottomLeft() + QPoint(6, -3), r.topRight() + QPoint(-6, 3));
            } else if (inPreview(i) && state == SublayerState::Kept) {
                p.setBrush(QBrush(mergedColor(), Qt::BDiagPattern));
                p.setPen(Qt::NoPen);
                p.drawRoundedRect(r, 3, 3);
            }
        }
    }
    if (mHighlightFirst <= mHighlightLast && mHighlightLast < mPlan.layers()) {
        const QRect a = cellRect(mHighlightFirst, -1), b = cellRect(mHighlightLast, 1);
        p.setPen(QPen(Qt::red, 2));
        p.setBrush(Qt::NoBrush);
        p.drawRect(QRect(a.topLeft(), b.bottomRight()).adjusted(-2, -2, 2, 2));
    }
    // Brackets for merge windows (solid: in the plan; dashed: the slider's preview).
    const int x = kLabel + 2 * kCellW + kGap + 6;
    const auto bracket = [&](const PlanOperation& m, Qt::PenStyle style) {
        const QRect a = cellRect(m.layer, 1), b = cellRect(m.lastLayer, 1);
        p.setPen(QPen(mergedColor().darker(130), 2.5, style));
        p.drawLine(x, a.top() + 2, x + 8, a.top() + 2);
        p.drawLine(x + 8, a.top() + 2, x + 8, b.bottom() - 2);
        p.drawLine(x, b.bottom() - 2, x + 8, b.bottom() - 2);
    };
    for (const PlanOperation& m : mPlan.merges) bracket(m, Qt::SolidLine);
    for (const PlanOperation& m : mPreview) bracket(m, Qt::DashLine);
}

void LayerMapView::mousePressEvent(QMouseEvent* event) {
    if (const auto unit = unitAt(event->pos())) Q_EMIT unitClicked(*unit);
}

bool LayerMapView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const auto unit = unitAt(help->pos());
        for (int64_t i = 0; i < mPlan.layers() && !unit; ++i) {
            for (int column = 0; column < 2; ++column) {
                if (absent(i, column) && cellRect(i, column).contains(help->pos())) {
                    QToolTip::showText(help->globalPos(), tr("not in this checkpoint (removed before it was saved)"), this);
                    return true;
                }
            }
        }
        if (unit && unit->layer < static_cast<int64_t>(mSummary.layers.size())) {
            const LayerSummary& l = mSummary.layers[static_cast<std::size_t>(unit->layer)];
            const qint64 params = unit->kind == Unit::Kind::Attn  ? l.attnParams
                                  : unit->kind == Unit::Kind::Mlp ? l.mlpParams
                                                                  : l.attnParams + l.mlpParams;
            const QString merged = mPlan.mergeOf(unit->layer) ? tr("<br>merged: undo the merge to edit") : QString();
            QToolTip::showText(help->globalPos(),
                               tr("<b>%1</b><br>%2 parameters<br>click to remove or restore%3")
                                   .arg(QString::fromStdString(unit->label()))
                                   .arg(QLocale().toString(params))
                                   .arg(merged),
                               this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

}  // namespace lamina
