#pragma once

#include <QWidget>

#include <optional>
#include <vector>

#include "pruning/trajectory.h"

class QCustomPlot;

namespace lamina {

/// Calibration perplexity against the fraction of sublayers removed, one line per method
/// (each step of its trajectory a point); the current plan is a marked point. Clicking a
/// point asks to load that method's plan up to that step.
class TrajectoryView : public QWidget {
    Q_OBJECT
public:
    explicit TrajectoryView(QWidget* parent = nullptr);

    /// `layers`: the model's depth (x = removed sublayers / 2L).
    void setTrajectories(std::vector<Trajectory> trajectories, int64_t layers);
    /// The current plan's point, and (when a repair is chosen) the same plan repaired.
    void setCurrent(std::optional<std::pair<double, double>> fractionAndPpl,
                    std::optional<std::pair<double, double>> repaired = std::nullopt, const QString& repairName = {});
    /// Per trajectory, the calibration PPL of each step's plan repaired (dashed, same colour);
    /// an empty list (or entry) draws none.
    void setRepaired(std::vector<std::vector<double>> perplexities, const QString& repairName);
    const std::vector<Trajectory>& trajectories() const { return mTrajectories; }
    /// The plotted (fraction, PPL) points of trajectory `index`, starting at (0, base PPL).
    std::vector<std::pair<double, double>> points(std::size_t index) const;
    QCustomPlot* plot() const { return mPlot; }

Q_SIGNALS:
    /// The first `steps` steps of trajectory `index` were clicked.
    void stepSelected(int index, int steps);

private:
    void redraw();

    std::vector<Trajectory> mTrajectories;
    int64_t mLayers = 1;
    std::optional<std::pair<double, double>> mCurrent;
    std::optional<std::pair<double, double>> mRepaired;
    std::vector<std::vector<double>> mRepairedCurves;
    QString mRepairName;
    QCustomPlot* mPlot;
};

}  // namespace lamina
