#pragma once

#include <QWidget>

#include <vector>

#include "analysis/analysis_types.h"
#include "pruning/plan_edit.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;

namespace lamina {

/// Importance across depth: one curve for attention and one for FFN sublayers (and whole
/// blocks where the metric has them), metric selector, optional log scale; the units the
/// current plan removes are marked.
class ImportanceView : public QWidget {
    Q_OBJECT
public:
    explicit ImportanceView(QWidget* parent = nullptr);

    void setScores(std::vector<ImportanceScores> scores);
    void setPlan(const EditablePlan& plan);
    bool selectMetric(const QString& metric);
    void setLogScale(bool on);

    const ImportanceScores* current() const;
    /// The (layer, value) points of the curve for "attn", "mlp" or "block".
    std::vector<std::pair<double, double>> curve(const QString& kind) const;
    QCustomPlot* plot() const { return mPlot; }

private:
    void redraw();

    std::vector<ImportanceScores> mScores;
    EditablePlan mPlan;
    QComboBox* mMetric;
    QCheckBox* mLog;
    QCustomPlot* mPlot;
};

}  // namespace lamina
