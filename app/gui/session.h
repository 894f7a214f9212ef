#pragma once

#include <QObject>
#include <QString>
#include <QUndoStack>

#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "job.h"
#include "pruning/plan_edit.h"
#include "workbench/workbench.h"

namespace lamina {

/// One evaluation shown in the results table.
struct EvaluationRow {
    QString subject;  ///< "unpruned", or the plan's description
    TaskOutcome outcome;
};

/// The document of one open model: the engine (model + results file), everything computed,
/// the pruning plan being edited (through an undo stack) and the jobs that compute. Long
/// computations run one after another on a worker thread; re-evaluating the plan after an
/// edit runs on its own lane, so a click never waits behind an analysis.
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

    const AnalysisOutput& analysis() const { return mAnalysis; }
    const std::vector<Trajectory>& trajectories() const { return mTrajectories; }
    const std::vector<SlmSweepEntry>& mergeSweep() const { return mSweep; }
    /// The sweep entry in force at `threshold` (nullptr without a sweep).
    const SlmSweepEntry* sweepEntryAt(double threshold) const;
    const std::optional<PlanCheck>& planCheck() const { return mCheck; }
    const std::vector<EvaluationRow>& evaluations() const { return mEvaluations; }

    QUndoStack* undoStack() { return &mUndo; }
    const EditablePlan& plan() const { return mPlan; }
    /// Undoable edits.
    bool toggleUnit(const Unit& unit);
    void setPlan(const EditablePlan& plan, const QString& description);
    void applyTrajectory(const Trajectory& trajectory, std::size_t steps);
    void applyMergeThreshold(double threshold);
    /// The plan as a file would hold it.
    PruningPlan currentPlan() const;
    /// Parameters and estimated FLOPs per token removed by the current plan.
    int64_t removedParams() const;

    // Jobs. Each is queued; the views update when its result arrives.
    void runDefaultAnalysis();
    void runMethod(MethodRef method, double ratio);
    void runMergeSweep();
    void runEvaluation(const EvalRequest& request, bool withPlan);
    void exportModel(const QString& outDir, const QString& format);

    Job* currentJob() const { return mCurrent; }
    bool isBusy() const { return mCurrent != nullptr || !mQueue.empty(); }
    /// Whether the plan's re-evaluation (its own lane) is running.
    bool isChecking() const { return mCheckJob != nullptr; }
    /// Cancels the running job and drops the queued ones.
    void cancelJobs();
    /// Processes events until no job runs or is queued (tests, screenshots); false on timeout.
    bool waitIdle(int timeoutMs);

    /// Applies `plan` without an undo entry (the undo commands call this).
    void restorePlan(const EditablePlan& plan);

Q_SIGNALS:
    void modelOpened();
    void openFailed(const QString& message);
    void analysisChanged();
    void trajectoriesChanged();
    void sweepChanged();
    void planChanged();
    void planCheckChanged();
    void evaluationsChanged();
    void jobStarted(lamina::Job* job);
    /// `outcome`: "finished", "cancelled" or the error message.
    void jobEnded(const QString& title, const QString& outcome);

private:
    void enqueue(const QString& title, Job::Work work);
    void startNext();
    void scheduleCheck();
    void loadStoredResults();
    void addTrajectory(Trajectory t);

    std::shared_ptr<Workbench> mWorkbench;
    CalibrationRequest mCalibration;
    AnalysisOutput mAnalysis;
    std::vector<Trajectory> mTrajectories;
    std::vector<SlmSweepEntry> mSweep;
    std::optional<PlanCheck> mCheck;
    std::vector<EvaluationRow> mEvaluations;
    EditablePlan mPlan;
    QString mPlanSource = QStringLiteral("manual");
    QUndoStack mUndo;

    std::deque<std::pair<QString, Job::Work>> mQueue;
    Job* mCurrent = nullptr;
    Job* mCheckJob = nullptr;
    bool mCheckDirty = false;
};

/// The default analysis: every similarity measure (block and sublayer outputs) and every
/// importance metric.
AnalysisOptions defaultAnalysisOptions();

}  // namespace lamina
