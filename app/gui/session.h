#pragma once

#include <QObject>
#include <QString>

#include <memory>
#include <optional>
#include <vector>

#include "job.h"
#include "job_queue.h"
#include "latest_job.h"
#include "plan_document.h"
#include "workbench/inspection.h"
#include "workbench/workbench.h"

namespace lamina {

/// One evaluation shown in the results table.
struct EvaluationRow {
    QString subject;  ///< "unpruned", or the plan's description
    TaskOutcome outcome;
};

/// One open model: the engine (model + results file), everything computed, the plan being
/// edited (a PlanDocument) and the jobs that compute (a JobQueue). Re-evaluating the plan
/// after an edit runs on its own lane, so a click never waits behind an analysis.
class Session : public QObject {
    Q_OBJECT
public:
    explicit Session(QObject* parent = nullptr);
    ~Session() override;  ///< cancels every job and waits for them

    /// Loads the model and its results file (default: one per model fingerprint in the app's
    /// data folder) in the background; then shows what the file holds, or runs the default
    /// analysis when it holds none.
    void openModel(const QString& modelPath, const QString& resultsPath = {});
    bool isOpen() const { return mWorkbench != nullptr; }
    Workbench* workbench() const { return mWorkbench.get(); }
    QString modelPath() const;
    QString resultsPath() const;

    const CalibrationRequest& calibration() const { return mCalibration; }
    void setCalibration(const CalibrationRequest& calibration);
    /// The training-free repair fitted after the cut (pruning/repair.h): the plan check scores
    /// the plan without and with it, and evaluation and export use the repaired plan.
    RepairKind repair() const { return mRepair; }
    void setRepair(RepairKind repair);

    const AnalysisOutput& analysis() const { return mAnalysis; }
    const std::vector<Trajectory>& trajectories() const { return mTrajectories; }
    /// With a repair chosen: per trajectory, the calibration PPL of each step's plan repaired
    /// (Workbench::repairedTrajectory; empty until computed, or without a repair).
    const std::vector<std::vector<double>>& repairedTrajectories() const { return mRepairedTrajectories; }
    const std::vector<SlmSweepEntry>& mergeSweep() const { return mSweep; }
    /// The sweep entry in force at `threshold` (nullptr without a sweep).
    const SlmSweepEntry* sweepEntryAt(double threshold) const;
    const std::optional<PlanCheck>& planCheck() const { return mCheck; }
    const std::vector<EvaluationRow>& evaluations() const { return mEvaluations; }

    QUndoStack* undoStack() { return mDocument.undoStack(); }
    const EditablePlan& plan() const { return mDocument.plan(); }
    /// Undoable edits.
    bool toggleUnit(const Unit& unit) { return mDocument.toggleUnit(unit); }
    void setPlan(const EditablePlan& plan, const QString& description) { mDocument.setPlan(plan, description); }
    void applyTrajectory(const Trajectory& trajectory, std::size_t steps);
    void applyMergeThreshold(double threshold);
    /// The plan as a file would hold it.
    PruningPlan currentPlan() const;
    /// Parameters and estimated FLOPs per token removed by the current plan.
    int64_t removedParams() const;

    // Jobs. Each is queued; the views update when its result arrives.
    void runDefaultAnalysis();
    /// `generations`: a search's budget per ratio (0: the method's default).
    void runMethod(MethodRef method, double ratio, int64_t generations = 0);
    void runMergeSweep();
    void runEvaluation(const EvalRequest& request, bool withPlan);
    void exportModel(const QString& outDir, const QString& format);
    /// Writes the current plan with `metrics` to `file` (a job): with the repair switch on, the
    /// repair fitted on the session's calibration goes with it (linear: the sidecar file too).
    void exportPlan(const QString& file, const nlohmann::json& metrics);

    Job* currentJob() const { return mJobs.current(); }
    bool isBusy() const { return mJobs.isBusy(); }
    /// Whether the plan's re-evaluation (its own lane) is running.
    bool isChecking() const { return mCheckLane.isRunning(); }

    // The Compare and Logit-lens views: they follow the plan (every edit re-runs each view's
    // last request for the new plan, on a lane of its own, beside long jobs and the check).
    void runComparison(const CompareRequest& request);
    void runLens(const std::string& prompt, int64_t position, int64_t k);
    /// As far as generation has got (updated token by token).
    const std::optional<Comparison>& comparison() const { return mComparison; }
    const std::optional<LensResult>& lens() const { return mLens; }
    bool isInspecting() const { return mCompareLane.isRunning() || mLensLane.isRunning(); }
    /// Cancels the running job and drops the queued ones.
    void cancelJobs();
    /// Processes events until no job runs or is queued (tests, screenshots); false on timeout.
    bool waitIdle(int timeoutMs);

Q_SIGNALS:
    void modelOpened();
    void openFailed(const QString& message);
    void analysisChanged();
    void trajectoriesChanged();
    void sweepChanged();
    void planChanged();
    void planCheckChanged();
    void evaluationsChanged();
    void comparisonChanged();
    void lensChanged();
    /// A comparison or lens job failed (bad prompt, ...).
    void inspectionFailed(const QString& message);
    void jobStarted(lamina::Job* job);
    /// `outcome`: "finished", "cancelled" or the error message.
    void jobEnded(const QString& title, const QString& outcome);

private:
    void scheduleCheck();
    void scheduleRepairedTrajectories();
    void scheduleComparison();
    void scheduleLens();
    void loadStoredResults();
    void addTrajectory(Trajectory t);

    std::shared_ptr<Workbench> mWorkbench;
    CalibrationRequest mCalibration;
    RepairKind mRepair = RepairKind::None;
    AnalysisOutput mAnalysis;
    std::vector<Trajectory> mTrajectories;
    std::vector<std::vector<double>> mRepairedTrajectories;
    std::vector<SlmSweepEntry> mSweep;
    std::optional<PlanCheck> mCheck;
    std::vector<EvaluationRow> mEvaluations;
    PlanDocument mDocument;
    JobQueue mJobs;
    LatestJob mCheckLane;
    LatestJob mCompareLane;
    LatestJob mLensLane;
    std::optional<CompareRequest> mCompareRequest;
    struct LensRequest {
        std::string prompt;
        int64_t position = -1, k = 5;
    };
    std::optional<LensRequest> mLensRequest;
    std::optional<Comparison> mComparison;
    std::optional<LensResult> mLens;
    uint64_t mCompareRun = 0;  // streamed updates from an older run are dropped
};

}  // namespace lamina
