// lamina: the desktop app. `lamina [MODEL]` opens MODEL (no model: the start page).
// `--screenshot FILE.png` waits for the computations, saves the window and exits (docs, bug
// reports); `--view` picks what it shows.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "app_paths.h"
#include "common/runtime.h"
#include "main_window.h"
#include "session.h"

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
    parser.addPositionalArgument("model", "Model directory (or llama2.c checkpoint) to open");
    const QCommandLineOption model("model", "Model to open (same as the positional argument).", "DIR");
    const QCommandLineOption results("results", "Results file to use (default: one per model in the app's data folder).", "FILE");
    const QCommandLineOption view("view", "View to show: heatmap, importance, layers, trajectories, results, compare, lens, model.", "VIEW");
    const QCommandLineOption prompt("prompt", "Run the Compare view and the logit lens on TEXT once the model is open.", "TEXT");
    const QCommandLineOption screenshot("screenshot", "Wait until every computation has finished, save the window to FILE (PNG) and exit.", "FILE");
    const QCommandLineOption plan("plan", "Pruning plan to load once the model is open.", "PLAN");
    const QCommandLineOption timeout("timeout", "With --screenshot: give up after SECONDS (default 1800).", "SECONDS", "1800");
    const QCommandLineOption repair("repair", "Repair after the cut: none, linear or rescale.", "KIND");
    parser.addOptions({model, results, view, plan, repair, prompt, screenshot, timeout});
    parser.process(app);

    lamina::MainWindow window;
    window.setUnattended(parser.isSet(screenshot));
    QString modelPath = parser.value(model);
    if (modelPath.isEmpty() && !parser.positionalArguments().isEmpty()) modelPath = parser.positionalArguments().first();
    if (!modelPath.isEmpty() && !window.openModel(modelPath, parser.isSet(screenshot), parser.value(results))) {
        if (parser.isSet(screenshot)) {
            std::fprintf(stderr, "lamina: %s\n", qPrintable(window.lastError()));
            return 2;
        }
    }
    if (parser.isSet(repair) && !window.setRepair(parser.value(repair))) {
        std::fprintf(stderr, "lamina: unknown repair '%s' (none, linear, rescale)\n", qPrintable(parser.value(repair)));
        return 2;
    }
    if (parser.isSet(plan)) window.loadPlanFile(parser.value(plan));
    if (parser.isSet(prompt)) window.inspectPrompt(parser.value(prompt));
    if (parser.isSet(view) && !window.showView(parser.value(view))) {
        std::fprintf(stderr, "lamina: unknown view '%s'\n", qPrintable(parser.value(view)));
        return 2;
    }
    window.show();
    if (parser.isSet(screenshot)) {
        const QString file = parser.value(screenshot);
        const int limitMs = parser.value(timeout).toInt() * 1000;
        QTimer::singleShot(100, &window, [&window, file, limitMs] {
            if (!window.session()->waitIdle(limitMs)) {
                std::fprintf(stderr, "lamina: computations still running after the timeout\n");
                QApplication::exit(3);
                return;
            }
            QApplication::processEvents();
            const bool ok = window.grab().save(file);
            if (!ok) std::fprintf(stderr, "lamina: could not write %s\n", qPrintable(file));
            QApplication::exit(ok ? 0 : 1);
        });
    }
    return QApplication::exec();
}
