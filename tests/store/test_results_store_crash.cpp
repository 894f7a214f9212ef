// Results store crash safety with real processes (store_writer.cpp): SIGKILL at random
// moments during every kind of store write, a full disk (RLIMIT_FSIZE and a real tmpfs), two
// writers on one file at the same time.

#include <QtTest/QtTest>
#include <algorithm>
#include <map>
#include <numeric>
#include <random>
#include <set>

#include "common/error.h"
#include "crash_support.h"
#include "kind_checks.h"
#include "store/results_store.h"
#include "writer_results.h"

using namespace lamina;
using namespace lamina::test;
namespace fs = std::filesystem;

namespace {

// "generic" (writer_results.h, 2.4 MB of doubles) or a real record kind (kind_records.h).
std::string keyOf(const QString& kind, int i) {
    if (kind == "generic") return writerMeta(i).key();
    return kindQuery(*parseRecordKind(kind.toStdString()), i).key();
}

std::string differenceOf(const QString& kind, int i, const StoredResult& stored) {
    if (kind == "generic") return resultDifference(writerResult(i), stored);
    return kindDifference(*parseRecordKind(kind.toStdString()), i, stored);
}

double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

QString describe(int i, const std::string& diff) {
    return QStringLiteral("result %1: %2").arg(i).arg(QString::fromStdString(diff));
}

}  // namespace

class TestResultsStoreCrash : public QObject {
    Q_OBJECT
    QTemporaryDir mDir;

    fs::path file(const QString& name) const {
        return fs::path(mDir.path().toStdString()) / name.toStdString();
    }

    void addKindRows(bool withGeneric) {
        QTest::addColumn<QString>("kind");
        if (withGeneric) QTest::newRow("generic") << QStringLiteral("generic");
        for (const char* kind : {"analysis", "trajectory", "evaluation"})
            QTest::newRow(kind) << QString::fromLatin1(kind);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(mDir.isValid());
        QVERIFY2(QFileInfo(kWriter).isExecutable(), qPrintable(kWriter));
    }

    // The writer puts generic results of ~2.4 MB (3 x 100k doubles) in a loop and is SIGKILLed
    // after a random delay, sixteen times over one growing file. After each kill the file
    // opens, every result reported done is there, and everything listed is bit-identical to
    // what the writer meant to write. Set LAMINA_TEST_SEED to replay a run.
    void sigkillNeverCorrupts() {
        std::mt19937_64 rng(testSeed());
        std::uniform_int_distribution<int> delayMs(10, 700);

        const fs::path path = file("killed.h5");
        const int rounds = 16, perRound = 100;
        std::map<std::string, int> indexOfKey;
        for (int i = 0; i < rounds * perRound; ++i) indexOfKey[writerMeta(i).key()] = i;
        std::set<int> reported, verified;
        int killsMidPut = 0, killsLeavingTemp = 0;
        for (int round = 0; round < rounds; ++round) {
            QProcess writer;
            writer.start(kWriter, {"write", QString::fromStdString(path.string()),
                                   QString::number(round * perRound), QString::number(perRound)});
            QVERIFY(writer.waitForStarted());
            QThread::msleep(static_cast<unsigned long>(delayMs(rng)));
            writer.kill();  // SIGKILL
            QVERIFY(writer.waitForFinished(10000));
            const WriterLog log = parseWriterLog(writer.readAllStandardOutput());
            reported.insert(log.done.begin(), log.done.end());
            if (log.unfinished) ++killsMidPut;
            if (!tempFilesOf(path).isEmpty()) ++killsLeavingTemp;

            if (!fs::exists(path)) {  // killed before even the empty store was published
                QVERIFY(reported.empty());
                continue;
            }
            auto store = ResultsStore::open(path, false);
            std::set<int> listed;
            for (const ResultMeta& meta : store->list()) {
                const auto it = indexOfKey.find(meta.key());
                QVERIFY2(it != indexOfKey.end(), meta.parameters.c_str());
                QVERIFY(listed.insert(it->second).second);
            }
            for (const int i : reported)
                QVERIFY2(listed.count(i), qPrintable(QStringLiteral("result %1 lost").arg(i)));
            for (const int i : listed) {
                if (verified.count(i)) continue;
                const std::string diff =
                    resultDifference(writerResult(i), store->load(writerMeta(i).key()));
                QVERIFY2(diff.empty(), qPrintable(describe(i, diff)));
                verified.insert(i);
            }
        }
        // Everything is still intact at the end (earlier results were copied many times).
        auto store = ResultsStore::open(path, false);
        for (const int i : verified)
            QVERIFY(resultDifference(writerResult(i), store->load(writerMeta(i).key())).empty());
        // The next put removes the dead writers' temporary files.
        store->put(writerResult(rounds * perRound, 1, 10));
        QVERIFY2(tempFilesOf(path).isEmpty(), qPrintable(tempFilesOf(path).join(' ')));
        qInfo(
            "%d kills (%d mid-put, %d leaving a temp file): %zu results reported done, %zu "
            "stored (%lld bytes)",
            rounds, killsMidPut, killsLeavingTemp, reported.size(), verified.size(),
            static_cast<long long>(fs::file_size(path)));
        if (reported.empty())  // only on a very slow machine: every kill came before a put
            qWarning("no put completed before its kill; the run checked little");
    }

    // Real analysis, trajectory (and merge sweep) and evaluation records, put through the
    // production encoders, a third of the puts replacements (the store's rebuild path).
    // The writer is SIGKILLed LAMINA_CRASH_KILLS times (default 50) per kind over one growing
    // file. The delays come from the writer's start-up and put times measured first, and the
    // writer pauses between puts, so kills land before the first put, during puts and
    // between them (each counted). After every kill: the file opens, every result
    // reported done is listed, nothing is listed that was not put, and every listed result,
    // decoded with the production decoders, equals field by field what the test builds for
    // its index. Set LAMINA_TEST_SEED to replay a run.
    void sigkillDuringEveryKindOfWrite_data() { addKindRows(false); }

    void sigkillDuringEveryKindOfWrite() {
        QFETCH(QString, kind);
        const RecordKind recordKind = *parseRecordKind(kind.toStdString());
        std::mt19937_64 rng(testSeed());
        const fs::path path = file(kind + "-killed.h5");
        const QString pathText = QString::fromStdString(path.string());

        // Start-up (process start and opening the store) and put time on this machine.
        // Medians, so that one slow start on a busy machine does not stretch every delay.
        std::vector<double> startups;
        for (int k = 0; k < 3; ++k) {
            QElapsedTimer clock;
            clock.start();
            QCOMPARE(runWriter({"write", pathText, "0", "0", kind}), 0);
            startups.push_back(static_cast<double>(clock.elapsed()));
        }
        const double startupMs = median(startups);
        QByteArray probeOut;
        const QString probe = QString::fromStdString(file(kind + "-probe.h5").string());
        QCOMPARE(runWriter({"write", probe, "0", "8", kind}, &probeOut), 0);
        const double putMs = median(parseWriterLog(probeOut).putMs);
        QVERIFY(putMs > 0);
        // After each index (one or two puts) the writer pauses for two probe puts; puts in
        // the loop run slower than the probe's (a fresh process, a bigger file). The delays
        // cover the writer's start and about two indices.
        const int gapMs = std::max(1, static_cast<int>(2 * putMs));
        std::uniform_real_distribution<double> delayMs(startupMs / 2,
                                                       startupMs + 2 * (2 * putMs + gapMs));

        const int kills = qEnvironmentVariableIsSet("LAMINA_CRASH_KILLS")
                              ? qEnvironmentVariableIntValue("LAMINA_CRASH_KILLS")
                              : 50;
        const int perRound = 40;  // more than a writer can put before its kill
        std::map<std::string, int> indexOfKey;
        std::set<int> reported, putAtAll;
        std::vector<double> putTimes;
        int beforeFirstPut = 0, midPut = 0, leavingTemp = 0, midReplace = 0, betweenPuts = 0;
        for (int round = 0; round < kills; ++round) {
            const int first = round * perRound;
            for (int i = first; i < first + perRound; ++i) indexOfKey[keyOf(kind, i)] = i;
            QProcess writer;
            writer.start(kWriter, {"write", pathText, QString::number(first),
                                   QString::number(perRound), kind, QString::number(gapMs)});
            QVERIFY(writer.waitForStarted());
            QThread::usleep(static_cast<unsigned long>(delayMs(rng) * 1000));
            writer.kill();  // SIGKILL
            QVERIFY(writer.waitForFinished(10000));
            QVERIFY2(writer.exitStatus() == QProcess::CrashExit || writer.exitCode() == 0,
                     writer.readAllStandardError().constData());
            const WriterLog log = parseWriterLog(writer.readAllStandardOutput());
            reported.insert(log.done.begin(), log.done.end());
            putAtAll.insert(log.done.begin(), log.done.end());
            if (log.unfinished) putAtAll.insert(*log.unfinished);
            putTimes.insert(putTimes.end(), log.putMs.begin(), log.putMs.end());
            if (!log.anyPut) {
                ++beforeFirstPut;
            } else if (log.unfinished) {
                ++midPut;
                if (!tempFilesOf(path).isEmpty()) ++leavingTemp;
                const auto& done = log.done;
                if (std::find(done.begin(), done.end(), *log.unfinished) != done.end())
                    ++midReplace;  // the result was put before: killed while replacing it
            } else {
                ++betweenPuts;
            }

            std::shared_ptr<ResultsStore> store;
            try {
                store = ResultsStore::open(path, false);
            } catch (const Error& e) {
                QFAIL(qPrintable(QStringLiteral("kill %1: %2").arg(round).arg(e.what())));
            }
            std::set<int> listed;
            for (const ResultMeta& meta : store->list()) {
                const auto it = indexOfKey.find(meta.key());
                QVERIFY2(it != indexOfKey.end(), meta.parameters.c_str());
                QVERIFY2(putAtAll.count(it->second), meta.parameters.c_str());
                QVERIFY(listed.insert(it->second).second);
            }
            for (const int i : reported)
                QVERIFY2(listed.count(i), qPrintable(QStringLiteral("result %1 lost").arg(i)));
            for (const int i : listed) {  // all of them, every time: each put rewrote the file
                const std::optional<StoredResult> stored = store->find(kindQuery(recordKind, i));
                QVERIFY2(stored, qPrintable(QStringLiteral("result %1 not found").arg(i)));
                const std::string diff = kindDifference(recordKind, i, *stored);
                QVERIFY2(diff.empty(), qPrintable(describe(i, diff)));
            }
        }
        // The next put removes the dead writers' temporary files.
        auto store = ResultsStore::open(path, false);
        store->put(kindRecord(recordKind, kills * perRound));
        QVERIFY2(tempFilesOf(path).isEmpty(), qPrintable(tempFilesOf(path).join(' ')));
        const double meanPut = putTimes.empty()
                                   ? 0
                                   : std::accumulate(putTimes.begin(), putTimes.end(), 0.0) /
                                         static_cast<double>(putTimes.size());
        qInfo(
            "%s: start-up %.0f ms, put %.1f ms (probe median), delays %.0f-%.0f ms; %d kills: "
            "%d before the first put, %d mid-put (%d leaving a temp file, %d replacing), %d "
            "between puts; %zu puts completed (mean %.1f ms, max %.1f ms), %zu results stored, "
            "%lld bytes",
            qPrintable(kind), startupMs, putMs, delayMs.a(), delayMs.b(), kills, beforeFirstPut,
            midPut, leavingTemp, midReplace, betweenPuts, putTimes.size(), meanPut,
            putTimes.empty() ? 0.0 : *std::max_element(putTimes.begin(), putTimes.end()),
            store->list().size(), static_cast<long long>(fs::file_size(path)));
        // Otherwise the run did not check what it is for (the delays are measured above).
        QVERIFY2(midPut > 0 && betweenPuts > 0, "no kill landed during or between puts");
    }

    // A full disk, simulated with RLIMIT_FSIZE in the writer (SIGXFSZ ignored, so write()
    // fails with EFBIG) below the current file size or halfway through the new version: the
    // put throws an error naming the file and the result, the previous file is untouched, no
    // temp file stays, and with room again the same put succeeds.
    void fullDiskKeepsPreviousContent_data() {
        QTest::addColumn<QString>("kind");
        QTest::addColumn<bool>("belowCurrentFile");
        for (const char* kind : {"generic", "analysis", "trajectory", "evaluation"}) {
            QTest::addRow("%s, limit below the current file", kind) << kind << true;
            QTest::addRow("%s, limit within the new version", kind) << kind << false;
        }
    }

    void fullDiskKeepsPreviousContent() {
        QFETCH(QString, kind);
        QFETCH(bool, belowCurrentFile);
        const QString name = kind + (belowCurrentFile ? "-full-below" : "-full-within");
        const fs::path path = file(name + ".h5");
        const QString pathText = QString::fromStdString(path.string());
        const int next = 53;  // analysis: calibration ids, trajectory: 64 steps, zero-shot
        QCOMPARE(runWriter({"write", pathText, "0", "3", kind}), 0);
        const std::string before = bytesOf(path);
        // The size of the new version: the same put on a copy, without a limit.
        const fs::path roomy = file(name + "-roomy.h5");
        fs::copy_file(path, roomy);
        QCOMPARE(runWriter({"fill", QString::fromStdString(roomy.string()),
                            QString::number(1ll << 40), QString::number(next), kind}),
                 3);
        const auto after = static_cast<qint64>(fs::file_size(roomy));
        const auto size = static_cast<qint64>(before.size());
        QVERIFY(after > size);
        const qint64 limit = belowCurrentFile ? size / 2 : size + (after - size) / 2;

        QByteArray out;
        QCOMPARE(runWriter({"fill", pathText, QString::number(limit), QString::number(next), kind},
                           &out),
                 0);
        const std::string expected =
            "error: " + path.string() + ": cannot write result " + keyOf(kind, next) + ": ";
        QVERIFY2(out.startsWith(QByteArray::fromStdString(expected)), out.constData());
        QVERIFY2(out.contains("File too large"), out.constData());
        QVERIFY(bytesOf(path) == before);
        QVERIFY2(tempFilesOf(path).isEmpty(), qPrintable(tempFilesOf(path).join(' ')));
        auto store = ResultsStore::open(path, false);
        QCOMPARE(store->list().size(), std::size_t{3});
        for (int i = 0; i < 3; ++i) {
            const std::string diff = differenceOf(kind, i, store->load(keyOf(kind, i)));
            QVERIFY2(diff.empty(), qPrintable(describe(i, diff)));
        }
        QVERIFY_THROWS_EXCEPTION(Error, store->load(keyOf(kind, next)));
        // With room again the same put succeeds (exit code 3: no error).
        QCOMPARE(
            runWriter({"fill", pathText, QString::number(1ll << 40), QString::number(next), kind}),
            3);
        const std::string diff = differenceOf(kind, next, store->load(keyOf(kind, next)));
        QVERIFY2(diff.empty(), qPrintable(describe(next, diff)));
    }

    // A real full disk: a 1 MiB tmpfs in a private user and mount namespace (skipped where
    // the system does not allow one). The writer puts records until the tmpfs is full; the
    // failing put names the file, the result and ENOSPC, every result reported done is intact,
    // nothing else is stored, no temp file stays, and a second attempt leaves the file
    // byte-identical.
    void fullTmpfsKeepsPreviousContent_data() { addKindRows(false); }

    void fullTmpfsKeepsPreviousContent() {
        QFETCH(QString, kind);
        const RecordKind recordKind = *parseRecordKind(kind.toStdString());
        const QString dir = QString::fromStdString(file("tmpfs-" + kind).string());
        QVERIFY(QDir().mkpath(dir));
        PrivateTmpfs tmpfs(dir, 1 << 20);
        if (!tmpfs.problem().isEmpty())
            QSKIP(qPrintable("no private tmpfs here (" + tmpfs.problem() + ")"));
        const fs::path path = tmpfs.root() / "full.h5";
        const QString pathText = QString::fromStdString(path.string());

        QByteArray out, err;
        QCOMPARE(runWriter({"write", pathText, "0", "1000", kind}, &out, &err), 1);
        const WriterLog log = parseWriterLog(out);
        QVERIFY2(log.unfinished, out.constData());
        QVERIFY2(log.done.size() >= 3, out.constData());  // the disk filled up, not the start
        const std::string expected = "store_writer: " + path.string() + ": cannot write result " +
                                     kindQuery(recordKind, *log.unfinished).key() + ": ";
        QVERIFY2(err.startsWith(QByteArray::fromStdString(expected)), err.constData());
        QVERIFY2(err.contains("No space left on device"), err.constData());
        QVERIFY2(tempFilesOf(path).isEmpty(), qPrintable(tempFilesOf(path).join(' ')));

        const auto checkStored = [&] {
            auto store = ResultsStore::open(path, false);
            std::set<int> listed;
            for (const ResultMeta& meta : store->list())
                for (const int i : log.done)
                    if (kindQuery(recordKind, i).key() == meta.key()) listed.insert(i);
            QCOMPARE(store->list().size(), listed.size());  // nothing but completed puts
            QVERIFY(listed == std::set<int>(log.done.begin(), log.done.end()));
            for (const int i : listed) {
                const std::string diff =
                    kindDifference(recordKind, i, store->load(kindQuery(recordKind, i).key()));
                QVERIFY2(diff.empty(), qPrintable(describe(i, diff)));
            }
        };
        checkStored();
        if (QTest::currentTestFailed()) return;
        const std::string before = bytesOf(path);
        QCOMPARE(runWriter({"write", pathText, QString::number(*log.unfinished), "1", kind},
                           nullptr, &err),
                 1);
        QVERIFY2(err.contains("No space left on device"), err.constData());
        QVERIFY(bytesOf(path) == before);
        QVERIFY2(tempFilesOf(path).isEmpty(), qPrintable(tempFilesOf(path).join(' ')));
        qInfo("%s: %zu puts fitted on the 1 MiB tmpfs (file %zu bytes)", qPrintable(kind),
              log.done.size(), before.size());
    }

    // Two processes write to one file at the same time; the lock file serializes them and
    // each copies the other's latest version, so no result is lost.
    void twoWritersAtOnce() {
        const fs::path path = file(QStringLiteral("two.h5"));
        const QString pathText = QString::fromStdString(path.string());
        QProcess a, b;
        a.start(kWriter, {"write", pathText, "0", "12", "generic", "2", "20000"});
        b.start(kWriter, {"write", pathText, "1000", "12", "generic", "2", "20000"});
        for (QProcess* p : {&a, &b}) {
            QVERIFY(p->waitForFinished(60000));
            QCOMPARE(p->exitStatus(), QProcess::NormalExit);
            QVERIFY2(p->exitCode() == 0, p->readAllStandardError().constData());
        }
        auto store = ResultsStore::open(path, false);
        QCOMPARE(store->list().size(), std::size_t{24});
        for (const int first : {0, 1000})
            for (int i = first; i < first + 12; ++i)
                QVERIFY(
                    resultDifference(writerResult(i, 2, 20000), store->load(writerMeta(i).key()))
                        .empty());
    }
};

QTEST_GUILESS_MAIN(TestResultsStoreCrash)
#include "test_results_store_crash.moc"
