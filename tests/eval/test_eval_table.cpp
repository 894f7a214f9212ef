// The evaluation CSV (lamina-cli eval --csv, the GUI's Export CSV): fields with commas,
// quotes and line breaks survive a round trip through an RFC 4180 reader written here; the
// file is written whole or not at all.

#include <QtTest/QtTest>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "eval/eval_table.h"

using namespace lamina;

namespace {

// RFC 4180 records of `text`, independent of the writer.
std::vector<std::vector<std::string>> readCsv(const std::string& text) {
    std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        std::string& cell = records.back().back();
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            records.back().emplace_back();
        } else if (c == '\n') {
            records.emplace_back(1);
        } else {
            cell += c;
        }
    }
    if (records.back().size() == 1 && records.back()[0].empty()) records.pop_back();
    return records;
}

TaskOutcome outcome(const std::string& name, double value, double stderrValue, int64_t items) {
    TaskOutcome t;
    t.task = {name, "acc", false};
    t.metrics["acc"] = {value, stderrValue};
    t.items = items;
    return t;
}

}  // namespace

class TestEvalTable : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void hostileFieldsRoundTrip() {
        const TaskOutcome a = outcome("piqa", 0.625, 0.0125, 200);
        const TaskOutcome b = outcome("hella,swag \"v2\"", 1.0 / 3.0, 0, 7);
        const std::string text = evaluationCsv({{"unpruned", &a}, {"plan \"fc\", 25%\nsecond line", &b}});
        const auto rows = readCsv(text);
        QCOMPARE(rows.size(), std::size_t{3});
        QCOMPARE(rows[0], (std::vector<std::string>{"subject", "task", "metric", "value", "stderr", "items"}));
        QCOMPARE(rows[1], (std::vector<std::string>{"unpruned", "piqa", "acc", "0.625", "0.0125", "200"}));
        QCOMPARE(rows[2].size(), std::size_t{6});
        QCOMPARE(rows[2][0], std::string("plan \"fc\", 25%\nsecond line"));
        QCOMPARE(rows[2][1], std::string("hella,swag \"v2\""));
        QCOMPARE(std::stod(rows[2][3]), 0.3333333333);  // 10 significant digits
    }

    void writesAtomicallyOrFailsNamingTheFile() {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString() + "/t.csv";
        const TaskOutcome a = outcome("piqa", 0.5, 0.01, 10);
        writeEvaluationCsv(path, {{"unpruned", &a}});
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        QCOMPARE(ss.str(), evaluationCsv({{"unpruned", &a}}));
        QCOMPARE(std::distance(std::filesystem::directory_iterator(dir.path().toStdString()), {}), 1L);
        try {
            writeEvaluationCsv(dir.path().toStdString() + "/missing/t.csv", {{"unpruned", &a}});
            QFAIL("no error for a missing folder");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("missing/t.csv") != std::string::npos, e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestEvalTable)
#include "test_eval_table.moc"
