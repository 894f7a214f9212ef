#pragma once

#include <QMainWindow>

class QComboBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSlider;
class QSplitter;
class QStackedWidget;
class QTabWidget;
class QTableView;
class QTableWidget;
class QListWidget;
class QMenu;

namespace lamina {

class CompareView;
class HeatmapView;
class LogitLensView;
class ImportanceView;
class LayerMapView;
class LayerTableModel;
class Session;
class TrajectoryView;
class Job;

/// The app's main window: start page, then the session's views — layer map with the plan's
/// re-evaluation and the merge-threshold slider, CKA heatmap, importance curves, trajectories,
/// results table and the model's layer table — with a job bar (progress, ETA, Cancel).
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    /// Validates the model at `path` (headers only, instant) and starts loading it with its
    /// results file (`results` empty: the default one) in the background. On bad input shows
    /// the error (message box unless `quiet`) and keeps the previous model.
    bool openModel(const QString& path, bool quiet = false, const QString& results = {});

    /// Unattended (`--screenshot`): job failures and open errors go to stderr, never to a
    /// modal box that nobody will close.
    void setUnattended(bool on) { mUnattended = on; }

    Session* session() const { return mSession; }
    const LayerTableModel* layerModel() const { return mLayers; }
    QString lastError() const { return mLastError; }
    HeatmapView* heatmap() const { return mHeatmap; }
    ImportanceView* importance() const { return mImportance; }
    LayerMapView* layerMap() const { return mLayerMap; }
    TrajectoryView* trajectories() const { return mTrajectories; }
    CompareView* compareView() const { return mCompare; }
    LogitLensView* lensView() const { return mLens; }
    QSlider* mergeSlider() const { return mMergeSlider; }
    /// Shows a view: "heatmap", "importance", "layers", "trajectories", "compare", "lens",
    /// "results", "model".
    bool showView(const QString& name);
    /// Runs the Compare view and the logit lens on `prompt` (now, or once the model is open).
    void inspectPrompt(const QString& prompt);
    /// Loads a pruning plan file into the session (once the model is open); errors are shown.
    void loadPlanFile(const QString& file);
    /// Sets the repair switch ("none", "linear", "rescale"); false for another name.
    bool setRepair(const QString& kind);

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void createActions();
    /// A warning box, or a line on stderr when unattended.
    void report(const QString& title, const QString& message);
    QWidget* createStartPage();
    QWidget* createLayerPanel();
    QWidget* createTrajectoryPage();
    QWidget* createResultsPage();
    void connectSession();
    void openModelDialog();
    void openResultsDialog();
    void exportPlan();
    void importPlan();
    void exportFigure();
    void exportModelDialog();
    void exportResultsCsv();
    void calibrationDialog();
    void evaluateDialog();
    void updateRecentMenu();
    void addRecent(const QString& model, const QString& results);
    void updatePlanPanel();
    void updateMergeLabel();
    void updateResultsTable();
    void onJobStarted(Job* job);
    void setDarkMode(bool dark);

    Session* mSession;
    QStackedWidget* mStack;
    QTabWidget* mTabs;
    QSplitter* mSplitter;
    LayerTableModel* mLayers;
    QTableView* mTable;
    QLabel* mHeader;
    HeatmapView* mHeatmap;
    CompareView* mCompare;
    LogitLensView* mLens;
    ImportanceView* mImportance;
    LayerMapView* mLayerMap;
    TrajectoryView* mTrajectories;
    QTableWidget* mResults;
    QLabel* mPlanLabel;
    QComboBox* mRepairBox;  ///< training-free repair after the cut: none / linear / rescale
    QSlider* mMergeSlider;
    QLabel* mMergeLabel;
    QPushButton* mMergeApply;
    QProgressBar* mProgress;
    QLabel* mJobLabel;
    QPushButton* mCancel;
    QMenu* mRecentMenu = nullptr;
    QListWidget* mRecentList = nullptr;
    QString mPendingPlan;
    QString mPendingPrompt;
    QString mLastError;
    bool mUnattended = false;
};

}  // namespace lamina
