// lamina: the desktop app. `lamina [MODEL]` opens MODEL, or the bundled demo model.
// `--screenshot FILE.png` saves the window once shown and exits (docs, CI, bug reports).

#include <unistd.h>

#include <cstdlib>

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app_paths.h"
#include "common/runtime.h"
#include "main_window.h"

int main(int argc, char** argv) {
    // libgomp (loaded with libtorch) reads OMP_WAIT_POLICY before main runs, so choose the
    // passive policy by restarting once: with the default (active) one, any other busy
    // process made small GEMMs ~60x slower (docs/benchmarks.md). The user's choice wins.
    if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        ::execv("/proc/self/exe", argv);  // returns only on failure: carry on as we are
    }
    QApplication app(argc, argv);
    QApplication::setApplicationName("Lamina");
    QApplication::setOrganizationName("Lamina");
    QApplication::setApplicationVersion(LAMINA_VERSION);
    lamina::configureRuntime();

    QCommandLineParser parser;
    parser.setApplicationDescription("Depth-pruning workbench for large language models");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", "Model directory to open (default: the demo model)");
    QCommandLineOption screenshot("screenshot", "Save a screenshot to FILE and exit.", "FILE");
    parser.addOption(screenshot);
    parser.process(app);

    lamina::MainWindow window;
    const QStringList args = parser.positionalArguments();
    window.openModel(args.isEmpty() ? lamina::demoModelDir() : args.first());
    window.show();
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        QTimer::singleShot(500, &window, [&window, file] {
            const bool ok = window.grab().save(file);
            QApplication::exit(ok ? 0 : 1);
        });
    }
    return QApplication::exec();
}
