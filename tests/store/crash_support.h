#pragma once

// Helpers of test_results_store_crash: running store_writer (STORE_WRITER_PATH), reading its
// log, and a private tmpfs for the full-disk test.

#include <sys/vfs.h>

#include <QtTest/QtTest>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

namespace lamina::test {

inline const QString kWriter = QStringLiteral(STORE_WRITER_PATH);

inline std::string bytesOf(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

inline QStringList tempFilesOf(const std::filesystem::path& path) {
    const QString dir = QString::fromStdString(path.parent_path().string());
    const QString name = QString::fromStdString(path.filename().string());
    return QDir(dir).entryList({name + ".tmp-*"}, QDir::Files);
}

// Runs store_writer to completion; returns its exit code (-1 on a crash), stdout and stderr.
inline int runWriter(const QStringList& args, QByteArray* out = nullptr,
                     QByteArray* err = nullptr) {
    QProcess p;
    p.start(kWriter, args);
    if (!p.waitForFinished(60000)) return -2;
    if (out) *out = p.readAllStandardOutput();
    const QByteArray errors = p.readAllStandardError();
    if (err) *err = errors;
    if (p.exitStatus() != QProcess::NormalExit) return -1;
    if (p.exitCode() != 0 && p.exitCode() != 3 && !err) qWarning() << errors;
    return p.exitCode();
}

/// What store_writer's "put <i>" / "done <i> <microseconds>" lines say.
struct WriterLog {
    std::vector<int> done;
    std::vector<double> putMs;      ///< duration of each completed put
    std::optional<int> unfinished;  ///< a put that started and did not report done
    bool anyPut = false;
};

inline WriterLog parseWriterLog(const QByteArray& out) {
    WriterLog log;
    for (const QByteArray& line : out.split('\n')) {
        const QList<QByteArray> words = line.split(' ');
        if (words.size() == 2 && words[0] == "put") {
            log.anyPut = true;
            log.unfinished = words[1].toInt();
        } else if (words.size() == 3 && words[0] == "done") {
            log.done.push_back(words[1].toInt());
            log.putMs.push_back(words[2].toDouble() / 1000.0);
            log.unfinished.reset();
        }
    }
    return log;
}

/// The seed of a randomized test: LAMINA_TEST_SEED when set (to replay a run), else random.
inline quint64 testSeed() {
    quint64 seed = QRandomGenerator::system()->generate64();
    if (qEnvironmentVariableIsSet("LAMINA_TEST_SEED"))
        seed = qEnvironmentVariable("LAMINA_TEST_SEED").toULongLong();
    qInfo("seed %llu (LAMINA_TEST_SEED to replay)", static_cast<unsigned long long>(seed));
    return seed;
}

/// A small tmpfs mounted on `dir` in a private user and mount namespace (no root needed where
/// unprivileged user namespaces are allowed; nothing changes outside). This process and
/// store_writer reach it through /proc/<pid>/root of the namespace's holder process, which
/// lives until the object is destroyed.
class PrivateTmpfs {
public:
    PrivateTmpfs(const QString& dir, qint64 bytes) {
        mHolder.start("unshare", {"--user", "--map-root-user", "--mount", "sh", "-c",
                                  "mount -t tmpfs -o size=" + QString::number(bytes) +
                                      " lamina-test \"$0\" && echo mounted && exec cat",
                                  dir});
        if (!mHolder.waitForStarted(5000)) {
            mProblem = "cannot start unshare: " + mHolder.errorString();
            return;
        }
        while (!mHolder.canReadLine() && mHolder.state() == QProcess::Running)
            mHolder.waitForReadyRead(5000);
        if (mHolder.readLine().trimmed() != "mounted") {
            mHolder.waitForFinished(5000);
            mProblem = "unshare + mount failed: " + mHolder.readAllStandardError().trimmed();
            return;
        }
        mRoot = QStringLiteral("/proc/%1/root").arg(mHolder.processId()) + dir;
        struct statfs fs {};
        constexpr long kTmpfsMagic = 0x01021994;
        if (::statfs(mRoot.toLocal8Bit().constData(), &fs) != 0 || fs.f_type != kTmpfsMagic)
            mProblem = mRoot + " is not reachable as a tmpfs through /proc";
    }
    ~PrivateTmpfs() {
        mHolder.closeWriteChannel();  // `cat` exits, the namespace and its tmpfs go away
        if (!mHolder.waitForFinished(5000)) mHolder.kill();
        mHolder.waitForFinished(5000);
    }
    /// Empty when the tmpfs is usable.
    QString problem() const { return mProblem; }
    /// `dir` as seen inside the namespace.
    std::filesystem::path root() const { return mRoot.toStdString(); }

private:
    QProcess mHolder;
    QString mProblem;
    QString mRoot;
};

}  // namespace lamina::test
