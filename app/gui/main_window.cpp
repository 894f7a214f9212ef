#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QElapsedTimer>
#include <QFileDialog>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QStatusBar>
#include <QTableView>
#include <QVBoxLayout>

#include "app_paths.h"
#include "common/error.h"
#include "model/model_summary.h"
#include "widgets/layer_table_model.h"

namespace lamina {

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      mLayers(new LayerTableModel(this)),
      mTable(new QTableView(this)),
      mHeader(new QLabel(this)) {
    setWindowTitle(tr("Lamina"));
    auto* central = new QWidget(this);
    auto* layout = new QVBoxLayout(central);
    mHeader->setTextFormat(Qt::RichText);
    mHeader->setTextInteractionFlags(Qt::TextSelectableByMouse);
    mHeader->setText(tr("Open a model directory (File ▸ Open Model…) or the demo model."));
    mTable->setModel(mLayers);
    mTable->setAlternatingRowColors(true);
    mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    mTable->verticalHeader()->hide();
    mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    layout->addWidget(mHeader);
    layout->addWidget(mTable, 1);
    setCentralWidget(central);
    createActions();
    statusBar()->showMessage(tr("Ready"));
    resize(900, 640);
}

void MainWindow::createActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* open = file->addAction(tr("&Open Model…"), this, &MainWindow::openModelDialog);
    open->setShortcut(QKeySequence::Open);
    open->setToolTip(tr("Open a Hugging Face model directory (config.json + safetensors)"));
    QAction* demo =
        file->addAction(tr("Open &Demo Model"), this, [this] { openModel(demoModelDir()); });
    demo->setToolTip(tr("The bundled 16-layer TinyStories model"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Lamina"), this, [this] {
        QMessageBox::about(this, tr("About Lamina"),
                           tr("<b>Lamina %1</b><p>Depth-pruning workbench for large language "
                              "models.</p>")
                               .arg(QStringLiteral(LAMINA_VERSION)));
    });
}

void MainWindow::openModelDialog() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Model Directory"));
    if (!dir.isEmpty()) openModel(dir);
}

bool MainWindow::openModel(const QString& path, bool quiet) {
    QElapsedTimer timer;
    timer.start();
    ModelSummary summary;
    try {
        summary = describeModel(path.toStdString());
    } catch (const Error& e) {
        mLastError = QString::fromStdString(e.what());
        statusBar()->showMessage(tr("Could not open %1").arg(path));
        if (!quiet) QMessageBox::critical(this, tr("Cannot open model"), mLastError);
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
    statusBar()->showMessage(tr("Opened %1 in %2 ms").arg(path).arg(timer.elapsed()));
    return true;
}

}  // namespace lamina
