#pragma once

#include <QWidget>

#include <optional>
#include <vector>

#include "model/model_summary.h"
#include "model/unit.h"
#include "pruning/plan_edit.h"

namespace lamina {

/// The model as a grid: one row per block, one cell for attention and one for the FFN,
/// coloured kept / removed / merged; merge windows bracketed. A click on a cell asks to ablate
/// or restore that sublayer (a click on the block number: the whole block). A preview of merge
/// groups (the threshold slider) is drawn hatched without changing the plan.
class LayerMapView : public QWidget {
    Q_OBJECT
public:
    explicit LayerMapView(QWidget* parent = nullptr);

    void setModel(const ModelSummary& summary);
    void setPlan(const EditablePlan& plan);
    void setPreviewMerges(std::vector<PlanOperation> merges);
    /// Highlights blocks [first, last] (a layer pair selected elsewhere); first > last clears.
    void setHighlight(int64_t first, int64_t last);

    /// The unit under a widget position, if any (used by clicks; exposed for tests).
    std::optional<Unit> unitAt(const QPoint& pos) const;
    /// Centre of a unit's cell in widget coordinates.
    QPoint cellCenter(const Unit& unit) const;
    QSize sizeHint() const override;

Q_SIGNALS:
    void unitClicked(const lamina::Unit& unit);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;  // tooltips

private:
    QRect cellRect(int64_t layer, int column) const;  // column 0 attn, 1 FFN, -1 block label
    bool absent(int64_t layer, int column) const;     // the checkpoint lacks this sublayer

    ModelSummary mSummary;
    EditablePlan mPlan;
    std::vector<PlanOperation> mPreview;
    int64_t mHighlightFirst = 0, mHighlightLast = -1;
};

}  // namespace lamina

Q_DECLARE_METATYPE(lamina::Unit)
