#include "session.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QEventLoop>
#include <QStandardPaths>
#include <QTimer>

#include "common/error.h"
#include "model/fingerprint.h"
#include "pruning/sweep_records.h"
#include "pruning/trajectory_records.h"
#include "store/results_store.h"

namespace lamina {

namespace {

QString defaultResultsPath(const std::string& fingerprint) {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/results";
    QDir().mkpath(dir);
    return dir + "/" + QString::fromStdString(fingerprint) + ".h5";
}

}  // namespace

Session::Session(QObject* parent) : QObject(parent) {
    connect(&mDocument, &PlanDocument::planChanged, this, [this] {
        Q_EMIT planChanged();
        scheduleCheck();
        scheduleComparison();
        scheduleLens();
    });
    for (LatestJob* lane : {&mCompareLane, &mLensLane}) {
        connect(lane, &LatestJob::failed, this, [this](const QString&, const QString& message) {
            Q_EMIT inspectionFailed(message);
        });
    }
    connect(&mJobs, &JobQueue::jobStarted, this, &Session::jobStarted);
    connect(&mJobs, &JobQueue::jobEnded, this, &Session::jobEnded);
}

Session::~Session() {
    mJobs.cancelAll();
    mCheckLane.cancel();
    mCompareLane.cancel();
    mLensLane.cancel();
}

QString Session::modelPath() const {
    return mWorkbench ? QString::fromStdString(mWorkbench->modelPath().string()) : QString();
}

QString Session::resultsPath() const {
    return mWorkbench ? QString::fromStdString(mWorkbench->store().path().string()) : QString();
}

void Session::openModel(const QString& modelPath, const QString& resultsPath) {
    cancelJobs();
    if (mJobs.current() != nullptr) mJobs.current()->wait(-1);
    const std::filesystem::path model = modelPath.toStdString();
    const QString results = resultsPath;
    // The open job's own failure: also when another model stays open (it is kept).
    const auto onFailure = [this](const QString& message) { Q_EMIT openFailed(message); };
    mJobs.enqueue(tr("Opening %1").arg(QDir(modelPath).dirName()), [this, model, results](const ProgressFn& progress) {
        const QString path = results.isEmpty() ? defaultResultsPath(modelFingerprint(model)) : results;
        std::shared_ptr<Workbench> wb = Workbench::open(model, path.toStdString(), progress);
        return Job::Completion([this, wb] {
            mWorkbench = wb;
            mAnalysis = {};
            mTrajectories.clear();
            mRepairedTrajectories.clear();
            mSweep.clear();
            mEvaluations.clear();
            mCheck.reset();
            mDocument.reset(wb->summary().config.numLayers);
            loadStoredResults();
            Q_EMIT modelOpened();
            Q_EMIT trajectoriesChanged();
            Q_EMIT sweepChanged();
            Q_EMIT evaluationsChanged();
            Q_EMIT planChanged();
            runDefaultAnalysis();  // instant when the file holds it
            scheduleCheck();       // prepares the unpruned reference, so the first click is fast
            scheduleRepairedTrajectories();  // with a repair chosen before the model opened
        });
    }, onFailure);
}

void Session::loadStoredResults() {
    const ResultsStore& store = mWorkbench->store();
    for (const ResultMeta& meta : store.list()) {
        if (meta.modelFingerprint != mWorkbench->fingerprint()) continue;
        try {
            if (meta.kind == "trajectory") {
                addTrajectory(trajectoryFromRecord(store.load(meta.key())));
            } else if (meta.kind == "merge_sweep") {
                mSweep = sweepFromRecord(store.load(meta.key()));
            } else if (meta.kind == "evaluation") {
                const StoredEvaluation e = evaluationFromRecord(store.load(meta.key()));
                mEvaluations.push_back({e.pruned ? tr("pruned") : tr("unpruned"), e.outcome});
            }
        } catch (const Error&) {
            // A malformed or foreign record is skipped; `lamina-cli show` explains it.
        }
    }
}

void Session::addTrajectory(Trajectory t) {
    for (Trajectory& existing : mTrajectories) {
        if (existing.method == t.method) {
            if (t.steps.size() >= existing.steps.size()) existing = std::move(t);
            return;
        }
    }
    mTrajectories.push_back(std::move(t));
}

void Session::setCalibration(const CalibrationRequest& calibration) {
    mCalibration = calibration;
    if (!isOpen()) return;
    mCheck.reset();
    runDefaultAnalysis();
    scheduleCheck();
}

void Session::setRepair(RepairKind repair) {
    if (repair == mRepair) return;
    mRepair = repair;
    if (!isOpen()) return;
    mCheck.reset();  // the readout says "re-evaluating…" until the new answer arrives
    Q_EMIT planCheckChanged();
    scheduleCheck();
    scheduleRepairedTrajectories();
}

void Session::scheduleRepairedTrajectories() {
    mRepairedTrajectories.clear();
    Q_EMIT trajectoriesChanged();
    if (!isOpen() || mRepair == RepairKind::None || mTrajectories.empty()) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const std::vector<Trajectory> trajectories = mTrajectories;
    const RepairKind repair = mRepair;
    const CalibrationRequest data = mCalibration;
    const QString name = QString::fromStdString(repairKindName(repair));
    mJobs.enqueue(tr("Repairing the trajectories (%1)").arg(name), [this, wb, trajectories, repair, data](const ProgressFn& progress) {
        std::vector<double> weights;
        for (const Trajectory& t : trajectories) weights.push_back(static_cast<double>(t.steps.size()) + 1);
        const StagedProgress stages(progress, weights);
        std::vector<std::vector<double>> repaired;
        for (std::size_t i = 0; i < trajectories.size(); ++i) {
            repaired.push_back(wb->repairedTrajectory(trajectories[i], repair, data, stages.stage(i)));
        }
        return Job::Completion([this, repaired, repair, trajectories] {
            // A newer choice or a changed set of trajectories has scheduled its own run.
            if (repair != mRepair || trajectories.size() != mTrajectories.size()) return;
            mRepairedTrajectories = repaired;
            Q_EMIT trajectoriesChanged();
        });
    });
}

const SlmSweepEntry* Session::sweepEntryAt(double threshold) const {
    for (const SlmSweepEntry& e : mSweep) {
        if (threshold >= e.thresholdLow && threshold < e.thresholdHigh) return &e;
    }
    return nullptr;
}

// --- Plan editing ---------------------------------------------------------------------------

void Session::applyTrajectory(const Trajectory& trajectory, std::size_t steps) {
    if (!isOpen()) return;
    const auto ops = trajectory.operations(steps, MergeFormula::Rdsc);
    setPlan(EditablePlan::fromOperations(plan().layers(), ops),
            tr("Plan from %1 (%2 steps)").arg(QString::fromStdString(trajectory.method)).arg(steps));
}

void Session::applyMergeThreshold(double threshold) {
    const SlmSweepEntry* e = sweepEntryAt(threshold);
    if (e == nullptr) return;
    std::vector<PlanOperation> merges;
    for (const SlmMerge& m : e->merges) merges.push_back(PlanOperation::merge(m.first, m.last, MergeFormula::Rdsc));
    setPlan(plan().withMerges(merges), tr("Merge threshold %1").arg(threshold, 0, 'f', 3));
}

PruningPlan Session::currentPlan() const {
    if (!isOpen()) return {};
    return mWorkbench->makePlan(plan().operations(), {{"name", "manual"}, {"source", "lamina GUI"}});
}

int64_t Session::removedParams() const {
    if (!isOpen()) return 0;
    const auto& layers = mWorkbench->summary().layers;
    const EditablePlan& p = plan();
    int64_t n = 0;
    for (int64_t i = 0; i < p.layers(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (p.mergeOf(i)) {
            if (i != p.mergeOf(i)->layer) n += layers[k].attnParams + layers[k].mlpParams;
            continue;
        }
        if (p.attnRemoved[k]) n += layers[k].attnParams;
        if (p.mlpRemoved[k]) n += layers[k].mlpParams;
    }
    return n;
}

// --- Jobs -----------------------------------------------------------------------------------

void Session::runDefaultAnalysis() {
    if (!isOpen()) return;
    AnalysisRequest request;
    request.data = mCalibration;
    request.options = fullAnalysisOptions(mCalibration.windows * mCalibration.seqLen);
    std::shared_ptr<Workbench> wb = mWorkbench;
    mJobs.enqueue(tr("Analysing layers"), [this, wb, request](const ProgressFn& progress) {
        AnalysisReport report = wb->analyze(request, progress);
        return Job::Completion([this, report] {
            mAnalysis = report.output;
            Q_EMIT analysisChanged();
            if (mTrajectories.empty()) {
                // The paper methods the trajectories chart compares (MethodTraits::inDefaultRun).
                for (const MethodTraits* m : pruningMethods()) {
                    if (m->inDefaultRun) runMethod(*m, 0.5);
                }
            }
            if (mSweep.empty()) runMergeSweep();
        });
    });
}

void Session::runMethod(MethodRef method, double ratio, int64_t generations) {
    if (!isOpen()) return;
    PruneRequest request;
    request.data = mCalibration;
    request.options.method = method;
    request.options.evo.generations = generations;
    request.ratio = ratio;
    std::shared_ptr<Workbench> wb = mWorkbench;
    mJobs.enqueue(tr("Pruning with %1").arg(QString::fromUtf8(method.name())), [this, wb, request](const ProgressFn& progress) {
        PruneReport report = wb->prune(request, progress);
        return Job::Completion([this, report] {
            addTrajectory(report.trajectory);
            Q_EMIT trajectoriesChanged();
            if (mRepair != RepairKind::None) scheduleRepairedTrajectories();
        });
    });
}

void Session::runMergeSweep() {
    if (!isOpen()) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const CalibrationRequest data = mCalibration;
    mJobs.enqueue(tr("Sweeping merge thresholds"), [this, wb, data](const ProgressFn& progress) {
        std::vector<SlmSweepEntry> sweep = wb->sweepMerges(data, SlmOptions{}, progress);
        return Job::Completion([this, sweep] {
            mSweep = sweep;
            Q_EMIT sweepChanged();
        });
    });
}

void Session::runEvaluation(const EvalRequest& request, bool withPlan) {
    if (!isOpen()) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const std::optional<PruningPlan> plan = withPlan ? std::optional<PruningPlan>(currentPlan()) : std::nullopt;
    const QString repaired = mRepair != RepairKind::None ? tr(", %1 repair").arg(QString::fromStdString(repairKindName(mRepair))) : QString();
    const QString subject = withPlan ? tr("plan (%1 sublayers%2)").arg(mDocument.plan().removedSublayers()).arg(repaired) : tr("unpruned");
    const RepairKind repair = mRepair;
    const CalibrationRequest data = mCalibration;
    mJobs.enqueue(tr("Evaluating"), [this, wb, request, plan, subject, repair, data](const ProgressFn& progress) {
        const std::optional<PruningPlan> used = plan ? std::optional(wb->withRepair(*plan, repair, data)) : std::nullopt;
        std::vector<TaskOutcome> outcomes = wb->evaluate(request, used ? &*used : nullptr, progress);
        return Job::Completion([this, outcomes, subject] {
            for (const TaskOutcome& o : outcomes) mEvaluations.push_back({subject, o});
            Q_EMIT evaluationsChanged();
        });
    });
}

void Session::exportModel(const QString& outDir, const QString& format) {
    if (!isOpen()) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const PruningPlan plan = currentPlan();
    const RepairKind repair = mRepair;
    const CalibrationRequest data = mCalibration;
    mJobs.enqueue(tr("Exporting the pruned model"), [wb, plan, outDir, format, repair, data](const ProgressFn& progress) {
        const StagedProgress stages(progress, {repair == RepairKind::None ? 0.0 : 0.3, 1.0});
        const PruningPlan repaired = wb->withRepair(plan, repair, data, stages.stage(0));
        wb->exportModel(repaired, outDir.toStdString(), format.toStdString(), stages.stage(1));
        return Job::Completion();
    });
}

void Session::exportPlan(const QString& file, const nlohmann::json& metrics) {
    if (!isOpen()) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    PruningPlan plan = currentPlan();
    plan.metrics = metrics;
    const RepairKind repair = mRepair;
    const CalibrationRequest data = mCalibration;
    mJobs.enqueue(tr("Exporting the plan"), [wb, plan, file, repair, data](const ProgressFn& progress) {
        writePlan(file.toStdString(), wb->withRepair(plan, repair, data, progress));
        return Job::Completion();
    });
}

void Session::cancelJobs() { mJobs.cancelAll(); }

bool Session::waitIdle(int timeoutMs) {
    QDeadlineTimer deadline(timeoutMs);
    while (isBusy() || mCheckLane.isRunning() || isInspecting()) {
        if (deadline.hasExpired()) return false;
        // Sleep in an event loop (woken by the jobs' signals), never spin: a busy GUI thread
        // would take a core from the computation it waits for.
        QEventLoop loop;
        QTimer::singleShot(100, &loop, &QEventLoop::quit);
        loop.exec();
        QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    }
    return true;
}

void Session::scheduleCheck() {
    if (!isOpen()) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const PruningPlan plan = currentPlan();
    const CalibrationRequest data = mCalibration;
    const RepairKind repair = mRepair;
    mCheckLane.request(tr("Re-evaluating the plan"), [this, wb, plan, data, repair](const ProgressFn& progress) {
        const PlanCheck check = wb->checkPlan(plan, data, progress, repair);
        return Job::Completion([this, check] {
            mCheck = check;
            Q_EMIT planCheckChanged();
        });
    });
}

void Session::runComparison(const CompareRequest& request) {
    mCompareRequest = request;
    mComparison.reset();
    scheduleComparison();
}

void Session::runLens(const std::string& prompt, int64_t position, int64_t k) {
    mLensRequest = LensRequest{prompt, position, k};
    scheduleLens();
}

void Session::scheduleComparison() {
    if (!isOpen() || !mCompareRequest) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const PruningPlan plan = currentPlan();
    const CompareRequest request = *mCompareRequest;
    const uint64_t run = ++mCompareRun;
    mCompareLane.request(tr("Generating side by side"), [this, wb, plan, request, run](const ProgressFn& progress) {
        const Comparison done = wb->compare(plan, request, [this, run, &progress](const Comparison& c) {
            QMetaObject::invokeMethod(this, [this, c, run] {
                if (run != mCompareRun) return;  // from a run a newer request replaced
                mComparison = c;
                Q_EMIT comparisonChanged();
            }, Qt::QueuedConnection);
            return progress(0, 1);  // false once cancelled
        });
        // The last update precedes the end of the pruned side: publish both sides finished.
        return Job::Completion([this, done, run] {
            if (run != mCompareRun) return;
            mComparison = done;
            Q_EMIT comparisonChanged();
        });
    });
}

void Session::scheduleLens() {
    if (!isOpen() || !mLensRequest) return;
    std::shared_ptr<Workbench> wb = mWorkbench;
    const PruningPlan plan = currentPlan();
    const LensRequest request = *mLensRequest;
    mLensLane.request(tr("Reading the logit lens"), [wb, plan, request, this](const ProgressFn&) {
        const LensResult lens = wb->logitLens(plan, request.prompt, request.position, request.k);
        return Job::Completion([this, lens] {
            mLens = lens;
            Q_EMIT lensChanged();
        });
    });
}

}  // namespace lamina
