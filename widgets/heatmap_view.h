#pragma once

#include <QWidget>

#include <vector>

#include "analysis/analysis_types.h"
#include "analysis/patches.h"

class QCheckBox;
class QComboBox;
class QCPColorMap;
class QCPColorScale;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;

namespace lamina {

/// Layer-similarity heatmap: variant selector (measure × block/sublayer outputs), colour
/// scale, hover read-out, detected patches outlined, merge groups marked, click to select a
/// layer pair.
class HeatmapView : public QWidget {
    Q_OBJECT
public:
    explicit HeatmapView(QWidget* parent = nullptr);

    /// Every similarity result of the analysis; the selector lists them.
    void setMatrices(std::vector<SimilarityMatrix> matrices);
    /// Merge windows to mark, in block indices (drawn on the residual-stream variants).
    void setMergeGroups(const std::vector<Patch>& groups);
    /// Chooses the variant "<measure>/<representation>"; false when absent.
    bool selectVariant(const QString& variant);

    const SimilarityMatrix* current() const;
    /// The value the colour map holds for cell (row i, column j) — what the user sees.
    double displayedValue(int i, int j) const;
    const std::vector<Patch>& patches() const { return mPatches; }
    QCustomPlot* plot() const { return mPlot; }

Q_SIGNALS:
    void pairSelected(int i, int j);

private:
    void redraw();
    void hover(QMouseEvent* event);
    void click(QMouseEvent* event);
    bool cellAt(const QPointF& pos, int& i, int& j) const;

    std::vector<SimilarityMatrix> mMatrices;
    std::vector<Patch> mPatches;
    std::vector<Patch> mMerges;
    int mSelectedI = -1, mSelectedJ = -1;
    QComboBox* mVariant;
    QDoubleSpinBox* mThreshold;
    QLabel* mReadout;
    QCustomPlot* mPlot;
    QCPColorMap* mMap = nullptr;
    QCPColorScale* mScale = nullptr;
};

}  // namespace lamina
