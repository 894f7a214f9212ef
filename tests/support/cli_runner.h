#pragma once

// Runs the built lamina-cli as a user would and captures its output.

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QStringList>

namespace lamina::test {

struct CliResult {
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

/// Runs `program` with `args` (and `env` when given) and captures its output.
inline CliResult runProgram(const QString& program, const QStringList& args,
                            const QProcessEnvironment& env = {}, int timeoutMs = 300000) {
    QProcess p;
    if (!env.isEmpty()) p.setProcessEnvironment(env);
    p.start(program, args);
    CliResult r;
    if (!p.waitForFinished(timeoutMs)) {
        // SIGTERM first: mpirun forwards it to its ranks, whereas after SIGKILL they live on
        // (a hung two-rank test left both spinning for the rest of a session).
        p.terminate();
        if (!p.waitForFinished(10000)) p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

inline CliResult runCli(const QStringList& args, int timeoutMs = 300000) {
    return runProgram(QStringLiteral(LAMINA_CLI_PATH), args, {}, timeoutMs);
}

}  // namespace lamina::test
