#include "main_window.h"

#include <cstdio>

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDoubleSpinBox>
#include <QSpinBox>
#include <QFileDialog>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QSlider>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyleFactory>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QToolBar>
#include <QVBoxLayout>
#include <qcustomplot.h>

#include <utility>

#include "app_paths.h"
#include "calibration_dialog.h"
#include "common/error.h"
#include "eval/eval_table.h"
#include "evaluate_dialog.h"
#include "model/model_summary.h"
#include "session.h"
#include "widgets/compare_view.h"
#include "widgets/heatmap_view.h"
#include "widgets/importance_view.h"
#include "widgets/layer_map_view.h"
#include "widgets/layer_table_model.h"
#include "widgets/logit_lens_view.h"
#include "widgets/plot_style.h"
#include "widgets/trajectory_view.h"

namespace lamina {

namespace {

constexpr int kSliderSteps = 1000;  // merge threshold slider: [0, 1] in steps of 0.001

double sliderThreshold(int value) { return static_cast<double>(value) / kSliderSteps; }

QString fmtSeconds(double s) {
    if (s < 0) return QObject::tr("estimating…");
    if (s < 90) return QObject::tr("%1 s left").arg(std::lround(s));
    return QObject::tr("%1 min left").arg(std::lround(s / 60));
}

}  // namespace

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      mSession(new Session(this)),
      mStack(new QStackedWidget(this)),
      mTabs(new QTabWidget(this)),
      mLayers(new LayerTableModel(this)),
      mTable(new QTableView(this)),
      mHeader(new QLabel(this)),
      mHeatmap(new HeatmapView(this)),
      mCompare(new CompareView(this)),
      mLens(new LogitLensView(this)),
      mImportance(new ImportanceView(this)),
      mLayerMap(new LayerMapView(this)),
      mTrajectories(new TrajectoryView(this)),
      mResults(new QTableWidget(this)),
      mPlanLabel(new QLabel(this)),
      mRepairBox(new QComboBox(this)),
      mMergeSlider(new QSlider(Qt::Horizontal, this)),
      mMergeLabel(new QLabel(this)),
      mMergeApply(new QPushButton(tr("Apply merges"), this)),
      mProgress(new QProgressBar(this)),
      mJobLabel(new QLabel(this)),
      mCancel(new QPushButton(tr("Cancel"), this)) {
    setWindowTitle(tr("Lamina"));
    mHeader->setTextFormat(Qt::RichText);
    mHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mHeader->setWordWrap(true);
    mTable->setModel(mLayers);
    mTable->setAlternatingRowColors(true);
    mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    mTable->verticalHeader()->hide();
    mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);

    auto* modelPage = new QWidget(this);
    auto* modelLayout = new QVBoxLayout(modelPage);
    modelLayout->addWidget(mTable, 1);
    mTabs->addTab(mHeatmap, tr("&Similarity"));
    mTabs->addTab(mImportance, tr("&Importance"));
    mTabs->addTab(createTrajectoryPage(), tr("&Trajectories"));
    mTabs->addTab(createResultsPage(), tr("&Results"));
    mTabs->addTab(mCompare, tr("&Compare"));
    mTabs->addTab(mLens, tr("Logit &lens"));
    mTabs->addTab(modelPage, tr("&Model"));
    mTabs->setDocumentMode(true);

    auto* work = new QSplitter(Qt::Horizontal, this);
    mSplitter = work;
    work->addWidget(createLayerPanel());
    work->addWidget(mTabs);
    work->setStretchFactor(1, 1);
    auto* workPage = new QWidget(this);
    auto* workLayout = new QVBoxLayout(workPage);
    workLayout->setContentsMargins(6, 6, 6, 0);
    workLayout->addWidget(mHeader);
    workLayout->addWidget(work, 1);
    mStack->addWidget(createStartPage());
    mStack->addWidget(workPage);
    setCentralWidget(mStack);

    mProgress->setRange(0, 1000);
    mProgress->setMaximumWidth(260);
    mProgress->setTextVisible(true);
    mCancel->setToolTip(tr("Stop the running computation (Esc)"));
    mCancel->setShortcut(Qt::Key_Escape);
    statusBar()->addPermanentWidget(mJobLabel);
    statusBar()->addPermanentWidget(mProgress);
    statusBar()->addPermanentWidget(mCancel);
    mProgress->hide();
    mCancel->hide();
    connect(mCancel, &QPushButton::clicked, mSession, &Session::cancelJobs);

    createActions();
    connectSession();
    statusBar()->showMessage(tr("Ready"));
    resize(1320, 860);
    QSettings settings;
    restoreGeometry(settings.value("window/geometry").toByteArray());
    restoreState(settings.value("window/state").toByteArray());
    mSplitter->restoreState(settings.value("window/splitter").toByteArray());
    mTabs->setCurrentIndex(settings.value("window/tab", 0).toInt());
    setDarkMode(settings.value("view/dark", false).toBool());
}

MainWindow::~MainWindow() = default;

QWidget* MainWindow::createStartPage() {
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->addStretch(1);
    auto* title = new QLabel(tr("<h1>Lamina</h1><p>Depth pruning for large language models: see how "
                                "similar the layers are, rank and ablate sublayers, merge similar "
                                "layers, export the plan and the pruned model.</p>"),
                             page);
    title->setAlignment(Qt::AlignCenter);
    title->setWordWrap(true);
    layout->addWidget(title);
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    auto* open = new QPushButton(tr("Open model…"), page);
    auto* results = new QPushButton(tr("Open results file…"), page);
    auto* demo = new QPushButton(tr("Try the demo model"), page);
    demo->setDefault(true);
    for (QPushButton* b : {open, results, demo}) {
        b->setMinimumWidth(170);
        buttons->addWidget(b);
    }
    buttons->addStretch(1);
    layout->addLayout(buttons);
    mRecentList = new QListWidget(page);
    mRecentList->setMaximumWidth(700);
    mRecentList->setToolTip(tr("Recently opened models (double-click to open)"));
    auto* recentRow = new QHBoxLayout;
    recentRow->addStretch(1);
    recentRow->addWidget(mRecentList, 2);
    recentRow->addStretch(1);
    layout->addWidget(new QLabel(tr("<center>Recent models</center>"), page));
    layout->addLayout(recentRow, 1);
    connect(mRecentList, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) { openModel(item->text()); });
    connect(open, &QPushButton::clicked, this, &MainWindow::openModelDialog);
    connect(results, &QPushButton::clicked, this, &MainWindow::openResultsDialog);
    connect(demo, &QPushButton::clicked, this, [this] { openModel(demoModelDir()); });
    layout->addStretch(2);
    return page;
}

QWidget* MainWindow::createLayerPanel() {
    auto* panel = new QWidget(this);
    auto* layout = new QVBoxLayout(panel);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* mapBox = new QGroupBox(tr("Layer map — click to ablate or restore"), panel);
    auto* mapLayout = new QVBoxLayout(mapBox);
    auto* scroll = new QScrollArea(mapBox);
    scroll->setWidget(mLayerMap);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    mapLayout->addWidget(scroll, 1);
    mPlanLabel->setWordWrap(true);
    mPlanLabel->setTextFormat(Qt::RichText);
    mapLayout->addWidget(mPlanLabel);
    auto* repairRow = new QHBoxLayout;
    repairRow->addWidget(new QLabel(tr("Repair after the cut:"), mapBox));
    mRepairBox->addItem(tr("none"), QString("none"));
    mRepairBox->addItem(tr("linear map (ReplaceMe least squares)"), QString("linear"));
    mRepairBox->addItem(tr("rescale (Prune&&Comp magnitude)"), QString("rescale"));
    mRepairBox->setToolTip(tr("Fitted on the calibration data after every cut and folded into the "
                              "weights: the plan check shows the plan without and with it; "
                              "evaluation and export use the repaired plan"));
    repairRow->addWidget(mRepairBox, 1);
    mapLayout->addLayout(repairRow);
    connect(mRepairBox, &QComboBox::currentIndexChanged, this, [this] {
        mSession->setRepair(parseRepairKind(mRepairBox->currentData().toString().toStdString()));
    });
    layout->addWidget(mapBox, 1);

    auto* mergeBox = new QGroupBox(tr("Sliding Layer Merging"), panel);
    auto* mergeLayout = new QVBoxLayout(mergeBox);
    mMergeSlider->setRange(0, kSliderSteps);
    mMergeSlider->setValue(720);
    mMergeSlider->setToolTip(tr("Cosine-similarity threshold: consecutive blocks merge while the "
                                "merged model's output stays at least this similar"));
    mMergeLabel->setWordWrap(true);
    mergeLayout->addWidget(mMergeSlider);
    mergeLayout->addWidget(mMergeLabel);
    mergeLayout->addWidget(mMergeApply);
    layout->addWidget(mergeBox);
    connect(mMergeSlider, &QSlider::valueChanged, this, &MainWindow::updateMergeLabel);
    connect(mMergeApply, &QPushButton::clicked, this, [this] {
        mSession->applyMergeThreshold(sliderThreshold(mMergeSlider->value()));
    });
    connect(mLayerMap, &LayerMapView::unitClicked, this, [this](const Unit& unit) {
        mLens->selectBlock(unit.layer);
        if (!mSession->toggleUnit(unit)) {
            statusBar()->showMessage(tr("%1 is inside a merge window; undo the merge to edit it")
                                         .arg(QString::fromStdString(unit.label())), 4000);
        }
    });
    panel->setMinimumWidth(300);
    return panel;
}

QWidget* MainWindow::createTrajectoryPage() {
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    auto* method = new QComboBox(page);
    for (const MethodTraits* m : pruningMethods()) {
        if (!m->inRunMenu) continue;
        method->addItem(QString::fromUtf8(m->name), QString::fromUtf8(m->name));
        method->setItemData(method->count() - 1, QString::fromUtf8(m->label), Qt::ToolTipRole);
    }
    auto* ratio = new QDoubleSpinBox(page);
    ratio->setRange(0.05, 1.0);
    ratio->setSingleStep(0.05);
    ratio->setValue(0.5);
    ratio->setToolTip(tr("Fraction of the sublayers the trajectory goes to"));
    // A search (evo) answers one ratio at a time, within a budget of generations.
    auto* generations = new QSpinBox(page);
    generations->setRange(0, 100000);
    generations->setSpecialValueText(tr("auto"));
    generations->setPrefix(tr("generations "));
    generations->setToolTip(tr("Generations of the search per ratio; auto: EvoPress's k(n−k)/1.5"));
    auto* run = new QPushButton(tr("Run method"), page);
    auto* upTo = new QLabel(tr("up to"), page);
    controls->addWidget(new QLabel(tr("Method:"), page));
    controls->addWidget(method);
    controls->addWidget(upTo);
    controls->addWidget(ratio);
    controls->addWidget(generations);
    controls->addWidget(run);
    auto showKnobs = [method, generations, upTo] {
        const bool search = MethodRef(method->currentData().toString().toStdString())->searchesSizes;
        generations->setVisible(search);
        upTo->setText(search ? tr("at") : tr("up to"));
    };
    connect(method, &QComboBox::currentIndexChanged, this, showKnobs);
    showKnobs();
    controls->addStretch(1);
    controls->addWidget(new QLabel(tr("Click a point to load that plan."), page));
    layout->addLayout(controls);
    layout->addWidget(mTrajectories, 1);
    connect(run, &QPushButton::clicked, this, [this, method, ratio, generations] {
        mSession->runMethod(method->currentData().toString().toStdString(), ratio->value(), generations->value());
    });
    connect(mTrajectories, &TrajectoryView::stepSelected, this, [this](int index, int point) {
        const auto& all = mTrajectories->trajectories();
        if (index < 0 || index >= static_cast<int>(all.size())) return;
        const Trajectory& t = all[static_cast<std::size_t>(index)];
        mSession->applyTrajectory(t, static_cast<std::size_t>(t.cumulative ? point : point + 1));
    });
    return page;
}

QWidget* MainWindow::createResultsPage() {
    auto* page = new QWidget(this);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* controls = new QHBoxLayout;
    auto* evaluate = new QPushButton(tr("Evaluate…"), page);
    auto* csv = new QPushButton(tr("Export CSV…"), page);
    controls->addWidget(evaluate);
    controls->addWidget(csv);
    controls->addStretch(1);
    layout->addLayout(controls);
    mResults->setColumnCount(7);
    mResults->setHorizontalHeaderLabels({tr("model"), tr("task"), tr("metric"), tr("value"), tr("± s.e."),
                                         tr("items"), tr("cached")});
    mResults->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    mResults->setEditTriggers(QAbstractItemView::NoEditTriggers);
    mResults->setSortingEnabled(true);
    layout->addWidget(mResults, 1);
    connect(evaluate, &QPushButton::clicked, this, &MainWindow::evaluateDialog);
    connect(csv, &QPushButton::clicked, this, &MainWindow::exportResultsCsv);
    return page;
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::openModelDialog);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open a Hugging Face model directory, a GGUF file or a llama2.c checkpoint"));
    file->addAction(tr("Open &GGUF or llama2.c File…"), this, [this] {
        const QString f = QFileDialog::getOpenFileName(
            this, tr("Open Model File"), {},
            tr("Model files (*.gguf *.bin);;GGUF (*.gguf);;llama2.c checkpoint (*.bin)"));
        if (!f.isEmpty()) openModel(f);
    });
    file->addAction(tr("Open &Results File…"), this, &MainWindow::openResultsDialog);
    QAction* demo = file->addAction(tr("Open &Demo Model"), this, [this] { openModel(demoModelDir()); });
    demo->setToolTip(tr("The bundled 16-layer TinyStories model"));
    mRecentMenu = file->addMenu(tr("Open &Recent"));
    updateRecentMenu();
    file->addSeparator();
    file->addAction(tr("&Import Plan…"), this, &MainWindow::importPlan);
    QAction* plan = file->addAction(tr("Export &Plan…"), this, &MainWindow::exportPlan);
    plan->setShortcut(QKeySequence(tr("Ctrl+E")));
    QAction* figure = file->addAction(tr("Export &Figure…"), this, &MainWindow::exportFigure);
    figure->setShortcut(QKeySequence(tr("Ctrl+Shift+E")));
    file->addAction(tr("Export Pruned &Model…"), this, &MainWindow::exportModelDialog);
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo = mSession->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction* redo = mSession->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addAction(tr("Restore &All Layers"), this, [this] {
        mSession->setPlan(EditablePlan::empty(mSession->plan().layers()), tr("Restore all layers"));
    });

    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addAction(tr("&Calibration Data…"), this, &MainWindow::calibrationDialog);
    QAction* rerun = analysis->addAction(tr("&Analyse Layers"), mSession, &Session::runDefaultAnalysis);
    rerun->setShortcut(QKeySequence(tr("Ctrl+R")));
    analysis->addAction(tr("&Sweep Merge Thresholds"), mSession, &Session::runMergeSweep);
    QAction* evaluate = analysis->addAction(tr("&Evaluate…"), this, &MainWindow::evaluateDialog);
    evaluate->setShortcut(QKeySequence(tr("Ctrl+Shift+R")));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < mTabs->count(); ++i) {  // Ctrl+1 … in tab order
        QAction* a = view->addAction(mTabs->tabText(i).remove('&'), this, [this, i] { mTabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(QStringLiteral("Ctrl+%1").arg(i + 1)));
    }
    view->addSeparator();
    QAction* dark = view->addAction(tr("&Dark Appearance"));
    dark->setCheckable(true);
    dark->setChecked(QSettings().value("view/dark", false).toBool());
    connect(dark, &QAction::toggled, this, &MainWindow::setDarkMode);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Lamina"), this, [this] {
        QMessageBox::about(this, tr("About Lamina"),
                           tr("<b>Lamina %1</b><p>Depth-pruning workbench for large language "
                              "models: FinerCut, Shortened LLaMA, Sliding Layer Merging.</p>")
                               .arg(QStringLiteral(LAMINA_VERSION)));
    });

    QToolBar* bar = addToolBar(tr("Main"));
    bar->setObjectName("mainToolbar");
    bar->addAction(open);
    bar->addAction(undo);
    bar->addAction(redo);
    bar->addAction(rerun);
    bar->addAction(evaluate);
    bar->addAction(plan);
    bar->addAction(figure);
}

void MainWindow::connectSession() {
    connect(mSession, &Session::modelOpened, this, [this] {
        const Workbench& wb = *mSession->workbench();
        mLayerMap->setModel(wb.summary());
        mStack->setCurrentIndex(1);
        addRecent(mSession->modelPath(), mSession->resultsPath());
        statusBar()->showMessage(tr("Loaded %1 · results in %2").arg(mSession->modelPath(), mSession->resultsPath()), 8000);
        if (!mPendingPlan.isEmpty()) loadPlanFile(std::exchange(mPendingPlan, QString()));
        if (!mPendingPrompt.isEmpty()) inspectPrompt(std::exchange(mPendingPrompt, QString()));
    });
    connect(mSession, &Session::openFailed, this, [this](const QString& message) {
        mLastError = message;
        report(tr("Cannot open model"), message);
    });
    connect(mHeatmap, &HeatmapView::pairSelected, this, [this](int i, int j) {
        const SimilarityMatrix* m = mHeatmap->current();
        if (m == nullptr) return;
        int64_t first = std::min(i, j), last = std::max(i, j);
        if (m->representation == "residual") {
            last -= 1;  // h_i … h_j are joined by blocks i … j−1
        } else {
            first /= 2;  // sublayer outputs: attn.k, mlp.k alternate
            last /= 2;
        }
        mLayerMap->setHighlight(first, last);
        statusBar()->showMessage(tr("%1 × %2: %3 — blocks %4–%5 highlighted on the layer map")
                                     .arg(QString::fromStdString(m->labels[static_cast<std::size_t>(i)]),
                                          QString::fromStdString(m->labels[static_cast<std::size_t>(j)]))
                                     .arg(m->at(i, j), 0, 'f', 4)
                                     .arg(first)
                                     .arg(last),
                                 8000);
    });
    connect(mSession, &Session::analysisChanged, this, [this] {
        mHeatmap->setMatrices(mSession->analysis().similarities);
        mImportance->setScores(mSession->analysis().importances);
    });
    connect(mSession, &Session::trajectoriesChanged, this, [this] {
        mTrajectories->setTrajectories(mSession->trajectories(), mSession->plan().layers());
        mTrajectories->setRepaired(mSession->repairedTrajectories(),
                                   QString::fromStdString(repairKindName(mSession->repair())));
    });
    connect(mSession, &Session::sweepChanged, this, &MainWindow::updateMergeLabel);
    connect(mSession, &Session::planChanged, this, [this] {
        mLayerMap->setPlan(mSession->plan());
        mImportance->setPlan(mSession->plan());
        std::vector<Patch> groups;
        for (const PlanOperation& m : mSession->plan().merges) groups.push_back({m.layer, m.lastLayer});
        mHeatmap->setMergeGroups(groups);
        updatePlanPanel();
    });
    connect(mSession, &Session::planCheckChanged, this, &MainWindow::updatePlanPanel);
    connect(mCompare, &CompareView::generateRequested, mSession, &Session::runComparison);
    connect(mLens, &LogitLensView::lensRequested, this, [this](const QString& prompt, int position, int k) {
        mSession->runLens(prompt.toStdString(), position, k);
    });
    connect(mSession, &Session::comparisonChanged, this, [this] {
        mCompare->setComparison(mSession->comparison());
        const auto& c = mSession->comparison();
        mCompare->setBusy(c && !(c->unpruned.done && c->pruned.done));
    });
    connect(mSession, &Session::lensChanged, this, [this] { mLens->setLens(mSession->lens()); });
    connect(mSession, &Session::inspectionFailed, this, [this](const QString& message) {
        mCompare->setBusy(false);
        report(tr("Generation failed"), message);
    });
    connect(mSession, &Session::evaluationsChanged, this, &MainWindow::updateResultsTable);
    connect(mSession, &Session::jobStarted, this, &MainWindow::onJobStarted);
    connect(mSession, &Session::jobEnded, this, [this](const QString& title, const QString& outcome) {
        if (!mSession->isBusy()) {
            mProgress->hide();
            mCancel->hide();
            mJobLabel->clear();
        }
        if (outcome == "finished") {
            statusBar()->showMessage(tr("%1: done").arg(title), 5000);
        } else if (outcome == "cancelled") {
            statusBar()->showMessage(tr("%1: cancelled").arg(title), 5000);
        } else {
            statusBar()->showMessage(tr("%1 failed: %2").arg(title, outcome));
            if (mSession->isOpen() || mUnattended) report(tr("%1 failed").arg(title), outcome);
        }
    });
}

void MainWindow::onJobStarted(Job* job) {
    mJobLabel->setText(job->title());
    mProgress->setValue(0);
    mProgress->setFormat(tr("%p%"));
    mProgress->show();
    mCancel->show();
    connect(job, &Job::progress, this, [this](double fraction, double eta) {
        mProgress->setValue(static_cast<int>(fraction * 1000));
        mProgress->setFormat(QStringLiteral("%p% · ") + fmtSeconds(eta));
    });
}

bool MainWindow::showView(const QString& name) {
    const QStringList tabs = {"heatmap", "importance", "trajectories", "results", "compare", "lens", "model"};
    if (name == "layers") {
        mTabs->setCurrentIndex(1);  // the layer map is always visible; importance beside it
        return true;
    }
    const int i = tabs.indexOf(name);
    if (i < 0) return false;
    mTabs->setCurrentIndex(i);
    return true;
}

void MainWindow::report(const QString& title, const QString& message) {
    if (mUnattended) {
        std::fprintf(stderr, "lamina: %s: %s\n", qPrintable(title), qPrintable(message));
    } else {
        QMessageBox::warning(this, title, message);
    }
}

bool MainWindow::openModel(const QString& path, bool quiet, const QString& results) {
    ModelSummary summary;
    try {
        summary = describeModel(path.toStdString());
    } catch (const Error& e) {
        mLastError = QString::fromStdString(e.what());
        statusBar()->showMessage(tr("Could not open %1").arg(path));
        if (!quiet && !mUnattended) QMessageBox::critical(this, tr("Cannot open model"), mLastError);
        return false;
    }
    mLastError.clear();
    mLayers->setSummary(summary);
    const ModelConfig& c = summary.config;
    const QLocale locale;
    mHeader->setText(
        tr("<b>%1</b> &nbsp; %2 · %3 blocks · hidden %4 · %5 heads (%6 KV) · vocabulary %7 · "
           "%8 M parameters (%9)")
            .arg(QString::fromStdString(summary.path.filename().string()).toHtmlEscaped(),
                 QString::fromStdString(c.architecture))
            .arg(c.numLayers)
            .arg(c.hiddenSize)
            .arg(c.numHeads)
            .arg(c.numKvHeads)
            .arg(locale.toString(static_cast<qint64>(c.vocabSize)))
            .arg(summary.totalParams / 1e6, 0, 'f', 2)
            .arg(QString::fromStdString(summary.storedDtype)));
    setWindowTitle(tr("Lamina — %1").arg(QString::fromStdString(summary.path.string())));
    mSession->openModel(path, results);
    return true;
}

void MainWindow::openModelDialog() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Model Directory"));
    if (!dir.isEmpty()) openModel(dir);
}

void MainWindow::openResultsDialog() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open Results File"), {}, tr("Lamina results (*.h5)"));
    if (file.isEmpty()) return;
    QString model = QSettings().value("resultsModel/" + file).toString();
    if (model.isEmpty()) {
        model = QFileDialog::getExistingDirectory(this, tr("Which model are these results for?"));
        if (model.isEmpty()) return;
    }
    openModel(model, false, file);
}

void MainWindow::addRecent(const QString& model, const QString& results) {
    QSettings settings;
    QStringList recent = settings.value("recent/models").toStringList();
    recent.removeAll(model);
    recent.prepend(model);
    while (recent.size() > 8) recent.removeLast();
    settings.setValue("recent/models", recent);
    settings.setValue("resultsModel/" + results, model);
    updateRecentMenu();
}

void MainWindow::updateRecentMenu() {
    const QStringList recent = QSettings().value("recent/models").toStringList();
    if (mRecentList != nullptr) {
        mRecentList->clear();
        mRecentList->addItems(recent);
    }
    if (mRecentMenu == nullptr) return;
    mRecentMenu->clear();
    for (const QString& path : recent) mRecentMenu->addAction(path, this, [this, path] { openModel(path); });
    mRecentMenu->setEnabled(!recent.isEmpty());
}

void MainWindow::updatePlanPanel() {
    if (!mSession->isOpen()) return;
    const Workbench& wb = *mSession->workbench();
    const EditablePlan& plan = mSession->plan();
    int64_t blockParams = 0;
    for (const LayerSummary& l : wb.summary().layers) blockParams += l.attnParams + l.mlpParams;
    const int64_t removed = mSession->removedParams();
    QString text = tr("<b>%1</b> of %2 sublayers removed · %3 M parameters (%4% of the blocks; "
                      "≈ the same share of matmul FLOPs per token)")
                       .arg(plan.removedSublayers())
                       .arg(wb.summary().config.presentSublayers())
                       .arg(removed / 1e6, 0, 'f', 2)
                       .arg(blockParams > 0 ? 100.0 * removed / blockParams : 0.0, 0, 'f', 1);
    if (const auto& c = mSession->planCheck()) {
        text += tr("<br>calibration PPL <b>%1</b> (unpruned %2) · JS divergence from the unpruned "
                   "model <b>%3</b> nats · %4 s")
                    .arg(c->perplexity, 0, 'f', 3)
                    .arg(c->basePerplexity, 0, 'f', 3)
                    .arg(c->divergence, 0, 'g', 3)
                    .arg(c->seconds, 0, 'f', 2);
        if (c->repair != RepairKind::None) {
            text += tr("<br>with the %1 repair: PPL <b>%2</b> · JS <b>%3</b> nats")
                        .arg(QString::fromStdString(repairKindName(c->repair)))
                        .arg(c->repairedPerplexity, 0, 'f', 3)
                        .arg(c->repairedDivergence, 0, 'g', 3);
        }
        const double fraction = plan.removedSublayers() / (2.0 * plan.layers());
        if (c->repair != RepairKind::None) {
            mTrajectories->setCurrent(std::make_pair(fraction, c->perplexity), std::make_pair(fraction, c->repairedPerplexity),
                                      QString::fromStdString(repairKindName(c->repair)));
        } else {
            mTrajectories->setCurrent(std::make_pair(fraction, c->perplexity));
        }
    } else {
        text += tr("<br>re-evaluating…");
        mTrajectories->setCurrent(std::nullopt);  // never a star placed from the previous plan's numbers
    }
    mPlanLabel->setText(text);
}

void MainWindow::updateMergeLabel() {
    const double t = sliderThreshold(mMergeSlider->value());
    const SlmSweepEntry* e = mSession->sweepEntryAt(t);
    std::vector<PlanOperation> preview;
    std::vector<Patch> groups;
    if (e == nullptr) {
        mMergeLabel->setText(mSession->mergeSweep().empty() ? tr("threshold %1 — the sweep is being computed").arg(t, 0, 'f', 3)
                                                            : tr("threshold %1").arg(t, 0, 'f', 3));
        mMergeApply->setEnabled(false);
    } else {
        QStringList windows;
        for (const SlmMerge& m : e->merges) {
            windows << QStringLiteral("[%1–%2]").arg(m.first).arg(m.last);
            preview.push_back(PlanOperation::merge(m.first, m.last, MergeFormula::Rdsc));
            groups.push_back({m.first, m.last});
        }
        mMergeLabel->setText(tr("threshold %1: %2 merge(s) %3, %4 block(s) removed")
                                 .arg(t, 0, 'f', 3)
                                 .arg(e->merges.size())
                                 .arg(windows.join(' '))
                                 .arg(e->removedBlocks));
        mMergeApply->setEnabled(!e->merges.empty());
    }
    mLayerMap->setPreviewMerges(preview);
    if (!groups.empty() || mSession->plan().merges.empty()) mHeatmap->setMergeGroups(groups);
}

void MainWindow::updateResultsTable() {
    mResults->setSortingEnabled(false);
    const auto& rows = mSession->evaluations();
    mResults->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        const EvaluationRow& row = rows[static_cast<std::size_t>(r)];
        const MetricValue& m = row.outcome.headline();
        const QStringList cells = {row.subject, QString::fromStdString(row.outcome.task.name),
                                   QString::fromStdString(row.outcome.task.metric), QString::number(m.value, 'f', 4),
                                   QString::number(m.standardError, 'f', 4), QString::number(row.outcome.items),
                                   row.outcome.cached ? tr("yes") : tr("no")};
        for (int c = 0; c < cells.size(); ++c) mResults->setItem(r, c, new QTableWidgetItem(cells[c]));
    }
    mResults->setSortingEnabled(true);
}

void MainWindow::exportResultsCsv() {
    const QString file = QFileDialog::getSaveFileName(this, tr("Export Results"), "results.csv", tr("CSV (*.csv)"));
    if (file.isEmpty()) return;
    std::vector<EvalTableRow> rows;
    for (const EvaluationRow& row : mSession->evaluations()) rows.push_back({row.subject.toStdString(), &row.outcome});
    try {
        writeEvaluationCsv(file.toStdString(), rows);
        statusBar()->showMessage(tr("Wrote %1").arg(file), 5000);
    } catch (const Error& e) {
        QMessageBox::warning(this, tr("Export Results"), QString::fromStdString(e.what()));
    }
}

void MainWindow::exportPlan() {
    if (!mSession->isOpen()) return;
    const QString file = QFileDialog::getSaveFileName(this, tr("Export Plan"), "plan.json", tr("Pruning plan (*.json)"));
    if (file.isEmpty()) return;
    nlohmann::json metrics = nlohmann::json::object();
    if (const auto& c = mSession->planCheck()) {
        metrics = {{"calibration_ppl", c->perplexity}, {"base_ppl", c->basePerplexity},
                   {"js_divergence", c->divergence}, {"removed_sublayers", mSession->plan().removedSublayers()}};
    }
    mSession->exportPlan(file, metrics);  // a job: fitting the repair, when on, takes a while
}

void MainWindow::importPlan() {
    if (!mSession->isOpen()) return;
    const QString file = QFileDialog::getOpenFileName(this, tr("Import Plan"), {}, tr("Pruning plan (*.json)"));
    if (!file.isEmpty()) loadPlanFile(file);
}

bool MainWindow::setRepair(const QString& kind) {
    const int index = mRepairBox->findData(kind);
    if (index < 0) return false;
    mRepairBox->setCurrentIndex(index);
    return true;
}

void MainWindow::loadPlanFile(const QString& file) {
    if (!mSession->isOpen()) {
        mPendingPlan = file;  // applied when the model has been opened
        return;
    }
    try {
        const PruningPlan plan = readPlan(file.toStdString());
        checkPlanMatchesModel(plan, mSession->workbench()->fingerprint(), mSession->modelPath().toStdString(), file.toStdString());
        mSession->setPlan(EditablePlan::fromOperations(mSession->plan().layers(), plan.operations),
                          tr("Import plan %1").arg(QFileInfo(file).fileName()));
        // The switch takes the plan's repair kind; the session fits it on its own calibration.
        if (plan.repair.active()) setRepair(QString::fromStdString(repairKindName(plan.repair.kind)));
    } catch (const Error& e) {
        mLastError = QString::fromStdString(e.what());
        report(tr("Import Plan"), mLastError);
    }
}

void MainWindow::inspectPrompt(const QString& prompt) {
    mCompare->promptEdit()->setText(prompt);
    mLens->promptEdit()->setText(prompt);
    if (!mSession->isOpen()) {
        mPendingPrompt = prompt;  // run when the model has been opened
        return;
    }
    mCompare->generateButton()->click();
    mLens->showButton()->click();
}

void MainWindow::exportFigure() {
    QCustomPlot* plot = nullptr;
    switch (mTabs->currentIndex()) {
        case 0: plot = mHeatmap->plot(); break;
        case 1: plot = mImportance->plot(); break;
        case 2: plot = mTrajectories->plot(); break;
        default: break;
    }
    if (plot == nullptr) {
        QMessageBox::information(this, tr("Export Figure"), tr("Show the similarity, importance or trajectories view first."));
        return;
    }
    const QString file = QFileDialog::getSaveFileName(this, tr("Export Figure"), "figure.pdf",
                                                      tr("PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"));
    if (file.isEmpty()) return;
    const QString error = savePlot(plot, file);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export Figure"), error);
    else statusBar()->showMessage(tr("Wrote %1").arg(file), 5000);
}

void MainWindow::exportModelDialog() {
    if (!mSession->isOpen()) return;
    // "gguf:<type>" names the weights' type; plain "gguf" keeps the checkpoint's own.
    const QString format = QInputDialog::getItem(
        this, tr("Export format"),
        tr("Format (sublayer removals: gguf and decilm save compute, hf loads everywhere):"),
        {"hf", "decilm", "gguf", "gguf:f16", "gguf:q8_0", "gguf:f32"}, 0, false);
    if (format.isEmpty()) return;
    const bool gguf = format.startsWith("gguf");
    const QString out =
        gguf ? QFileDialog::getSaveFileName(this, tr("Export Pruned Model (GGUF for llama.cpp)"),
                                            "pruned-model.gguf", tr("GGUF (*.gguf)"))
             : QFileDialog::getSaveFileName(this, tr("Export Pruned Model (a new directory)"),
                                            "pruned-model");
    if (!out.isEmpty()) mSession->exportModel(out, format);
}

void MainWindow::calibrationDialog() {
    CalibrationDialog dialog(mSession->calibration(), this);
    if (dialog.exec() == QDialog::Accepted) mSession->setCalibration(dialog.request());
}

void MainWindow::evaluateDialog() {
    if (!mSession->isOpen()) return;
    EvaluateDialog dialog(this);
    if (dialog.exec() != QDialog::Accepted) return;
    EvalRequest request;
    try {
        request = dialog.request();
    } catch (const Error& e) {
        QMessageBox::warning(this, tr("Evaluate"), QString::fromStdString(e.what()));
        return;
    }
    if (dialog.withPlan()) mSession->runEvaluation(request, true);
    if (dialog.withUnpruned()) mSession->runEvaluation(request, false);
    showView("results");
}

void MainWindow::setDarkMode(bool dark) {
    QSettings().setValue("view/dark", dark);
    qApp->setStyle(QStyleFactory::create("Fusion"));
    QPalette p = qApp->style()->standardPalette();
    if (dark) {
        p.setColor(QPalette::Window, QColor(45, 45, 48));
        p.setColor(QPalette::WindowText, QColor(230, 230, 230));
        p.setColor(QPalette::Base, QColor(30, 30, 32));
        p.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
        p.setColor(QPalette::Text, QColor(230, 230, 230));
        p.setColor(QPalette::Button, QColor(55, 55, 58));
        p.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        p.setColor(QPalette::Highlight, QColor(0, 114, 178));
        p.setColor(QPalette::ToolTipBase, QColor(30, 30, 32));
        p.setColor(QPalette::ToolTipText, QColor(230, 230, 230));
    }
    qApp->setPalette(p);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/state", saveState());
    settings.setValue("window/splitter", mSplitter->saveState());
    settings.setValue("window/tab", mTabs->currentIndex());
    mSession->cancelJobs();  // the session's destructor waits for them to stop
    event->accept();
}

}  // namespace lamina
