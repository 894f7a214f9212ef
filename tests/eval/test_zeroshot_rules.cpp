// Zero-shot task files, metric aggregation and protocols, on hand-made data (no model): the
// expected values are worked out by hand in the comments.

#include <QtTest/QtTest>

#include <cmath>
#include <fstream>

#include "data/zeroshot_tasks.h"
#include "eval/eval_protocol.h"
#include "eval/eval_records.h"
#include "eval/zeroshot_metrics.h"
#include "expect_error.h"

using namespace lamina;
using lamina::test::expectError;

namespace {

RequestScore ll(double v, bool greedy = false) { return {v, greedy, 1}; }

ZeroShotTask taskOf(const char* name, std::vector<ZeroShotItem> items) {
    ZeroShotTask t;
    t.spec = findZeroShotTask(name);
    t.items = std::move(items);
    t.totalItems = static_cast<int64_t>(t.items.size());
    return t;
}

ZeroShotItem mc(std::vector<std::string> choices, int64_t gold) {
    ZeroShotItem item;
    for (const auto& c : choices) {
        item.contexts.push_back("Q:");
        item.continuations.push_back(" " + c);
        item.choiceLengths.push_back(codePointLength(c));
    }
    item.gold = gold;
    return item;
}

}  // namespace

class TestZeroShotRules : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

    std::filesystem::path write(const char* name, const std::string& text) {
        const std::filesystem::path p = std::filesystem::path(mTmp.path().toStdString()) / name;
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

private Q_SLOTS:
    void codePointsAsPython() {
        QCOMPARE(codePointLength("cafe"), int64_t{4});
        QCOMPARE(codePointLength("caf\xC3\xA9"), int64_t{4});        // "café": 5 bytes
        QCOMPARE(codePointLength("\xF0\x9F\x98\x80!"), int64_t{2});  // U+1F600 + "!"
        QCOMPARE(codePointLength(""), int64_t{0});
    }

    // acc takes the largest summed log-likelihood, acc_norm the largest per character.
    void accAndAccNormDisagree() {
        // "no" (2 chars): −2.0 → −1.0/char; "certainly" (9 chars): −4.5 → −0.5/char.
        const ZeroShotTask t = taskOf("arc_easy", {mc({"no", "certainly"}, 1)});
        const TaskMetrics m = aggregateTask(t, {{ll(-2.0), ll(-4.5)}});
        QCOMPARE(m.metrics.at("acc").value, 0.0);
        QCOMPARE(m.metrics.at("acc_norm").value, 1.0);
    }

    // Characters, not bytes: "éé" (2 characters, 4 bytes) at −3.0 → −1.5/char against "ab"
    // at −2.8 → −1.4/char picks "ab"; dividing by bytes (−0.75) would pick "éé".
    void accNormCountsCharacters() {
        const ZeroShotTask t = taskOf("piqa", {mc({"\xC3\xA9\xC3\xA9", "ab"}, 1)});
        const TaskMetrics m = aggregateTask(t, {{ll(-3.0), ll(-2.8)}});
        QCOMPARE(m.metrics.at("acc_norm").value, 1.0);
    }

    // Ties go to the first choice, as numpy's argmax.
    void tiesGoToFirst() {
        const ZeroShotTask t = taskOf("copa", {mc({"a", "b"}, 0), mc({"a", "b"}, 1)});
        const TaskMetrics m = aggregateTask(t, {{ll(-1), ll(-1)}, {ll(-1), ll(-1)}});
        QCOMPARE(m.metrics.at("acc").value, 0.5);
        QVERIFY(m.metrics.count("acc_norm") == 0);  // lm-eval reports acc only for COPA
    }

    // Standard error = sample standard deviation / √n: for {1,0,1,1} mean 0.75,
    // Σ(x−m)² = 3·0.0625 + 0.5625 = 0.75, /3 = 0.25, sd 0.5, /√4 = 0.25.
    void standardErrorAsLmEval() {
        QCOMPARE(meanStandardError({1, 0, 1, 1}), 0.25);
        QCOMPARE(meanStandardError({1}), 0.0);
        const ZeroShotTask t =
            taskOf("boolq", {mc({"no", "yes"}, 0), mc({"no", "yes"}, 0), mc({"no", "yes"}, 0),
                             mc({"no", "yes"}, 1)});
        // Items 0, 2, 3 right; item 1 wrong → acc 0.75 ± 0.25.
        const TaskMetrics m = aggregateTask(
            t, {{ll(-1), ll(-2)}, {ll(-3), ll(-2)}, {ll(-1), ll(-2)}, {ll(-3), ll(-2)}});
        QCOMPARE(m.metrics.at("acc").value, 0.75);
        QCOMPARE(m.metrics.at("acc").standardError, 0.25);
    }

    // LAMBADA: acc = greedy match; ppl = exp(−mean log-likelihood) = exp(−(−1 −3)/2) = e².
    void lambadaGreedyAndPerplexity() {
        ZeroShotItem a, b;
        for (ZeroShotItem* item : {&a, &b}) {
            item->contexts = {"ctx"};
            item->continuations = {" word"};
            item->choiceLengths = {4};
        }
        const ZeroShotTask t = taskOf("lambada_openai", {a, b});
        const TaskMetrics m = aggregateTask(t, {{ll(-1, true)}, {ll(-3, false)}});
        QCOMPARE(m.metrics.at("acc").value, 0.5);
        QVERIFY(std::fabs(m.metrics.at("ppl").value - std::exp(2.0)) < 1e-12);
    }

    void mismatchedScoresAreRefused() {
        const ZeroShotTask t = taskOf("arc_easy", {mc({"a", "b"}, 0)});
        expectError([&] { aggregateTask(t, {{ll(-1)}}); }, {"arc_easy", "1 scores for 2"});
    }

    void readsEachFormat() {
        const auto mcFile = write("arc_easy.jsonl",
                                  "{\"query\": \"Question: 2+2?\", \"choices\": [\"4\", \"f\\u00fcnf\"], \"gold\": 0}\n"
                                  "\n"
                                  "{\"query\": \"Q\", \"choices\": [\"a\", \"b\", \"c\"], \"gold\": 2}\n");
        const ZeroShotTask t = readZeroShotTask(*findZeroShotTask("arc_easy"), mcFile);
        QCOMPARE(t.items.size(), std::size_t{2});
        QCOMPARE(t.items[0].contexts[1], std::string("Question: 2+2?"));
        QCOMPARE(t.items[0].continuations[1], std::string(" f\xC3\xBCnf"));
        QCOMPARE(t.items[0].choiceLengths[1], int64_t{4});
        QCOMPARE(t.items[1].gold, int64_t{2});

        const auto wino = write("winogrande.jsonl",
                                "{\"context_options\": [\"A so A\", \"A so B\"], \"continuation\": \"won.\", \"gold\": 1}\n");
        const ZeroShotTask w = readZeroShotTask(*findZeroShotTask("winogrande"), wino);
        QCOMPARE(w.items[0].contexts[1], std::string("A so B"));
        QCOMPARE(w.items[0].continuations[0], std::string(" won."));

        const auto lambada = write("lambada.jsonl", "{\"context\": \"He said\", \"continuation\": \"hi\"}\n");
        const ZeroShotTask l = readZeroShotTask(*findZeroShotTask("lambada_openai"), lambada);
        QCOMPARE(l.items[0].continuations[0], std::string(" hi"));
    }

    void limitKeepsTheFirstItems() {
        std::string text;
        for (int i = 0; i < 5; ++i) text += "{\"query\": \"q" + std::to_string(i) + "\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n";
        const auto f = write("copa.jsonl", text);
        const ZeroShotTask t = readZeroShotTask(*findZeroShotTask("copa"), f, 3);
        QCOMPARE(t.items.size(), std::size_t{3});
        QCOMPARE(t.totalItems, int64_t{5});
        QCOMPARE(t.items[2].contexts[0], std::string("q2"));
    }

    void badRowsNameFileLineAndField() {
        const TaskSpec& arc = *findZeroShotTask("arc_easy");
        const auto good = std::string("{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 0}\n");
        expectError([&] { readZeroShotTask(arc, write("g.jsonl", good + "{\"query\": \"q\", \"choices\": [\"a\", \"b\"], \"gold\": 2}\n")); },
                    {"g.jsonl:2", "gold", "outside the 2 choices"});
        expectError([&] { readZeroShotTask(arc, write("c.jsonl", "{\"query\": \"q\", \"choices\": \"ab\", \"gold\": 0}\n")); },
                    {"c.jsonl:1", "choices", "expected an array"});
        expectError([&] { readZeroShotTask(arc, write("m.jsonl", good + "{\"query\": \"q\", \"choices\": [\"a\"\n")); },
                    {"m.jsonl:2", "malformed JSON"});
        expectError([&] { readZeroShotTask(arc, write("q.jsonl", "{\"choices\": [\"a\", \"b\"], \"gold\": 0}\n")); },
                    {"q.jsonl:1", "query", "missing"});
        expectError([&] { readZeroShotTask(arc, write("e.jsonl", "\n\n")); }, {"e.jsonl", "no items"});
        expectError([&] { readZeroShotTask(arc, write("one.jsonl", "{\"query\": \"q\", \"choices\": [\"a\"], \"gold\": 0}\n")); },
                    {"one.jsonl:1", "at least 2"});
    }

    void missingTaskFileNamesBothPlaces() {
        expectError([&] { zeroShotTaskPath(*findZeroShotTask("piqa"), "/nonexistent/data"); },
                    {"/nonexistent/data/piqa.jsonl", "/nonexistent/data/zeroshot/piqa.jsonl"});
    }

    void presetsFollowThePapers() {
        const EvalProtocol p = evalPreset("llm-pruner");
        QCOMPARE(p.seqLen, int64_t{128});
        std::map<std::string, std::string> metric;
        for (const EvalTask& t : p.tasks) metric[t.name] = t.metric;
        QCOMPARE(metric.at("wikitext2"), std::string("ppl"));
        QCOMPARE(metric.at("ptb"), std::string("ppl"));
        for (const char* acc : {"boolq", "piqa", "winogrande", "arc_easy"}) QCOMPARE(metric.at(acc), std::string("acc"));
        for (const char* norm : {"hellaswag", "arc_challenge", "openbook_qa"}) QCOMPARE(metric.at(norm), std::string("acc_norm"));

        const EvalProtocol f = evalPreset("finercut");
        metric.clear();
        for (const EvalTask& t : f.tasks) metric[t.name] = t.metric;
        QCOMPARE(metric.size(), std::size_t{8});
        for (const char* norm : {"piqa", "hellaswag", "arc_easy", "arc_challenge", "openbook_qa"}) QCOMPARE(metric.at(norm), std::string("acc_norm"));
        for (const char* acc : {"boolq", "winogrande", "lambada_openai"}) QCOMPARE(metric.at(acc), std::string("acc"));
        QCOMPARE(evalPreset("sleb").seqLen, int64_t{2048});
        expectError([] { evalPreset("mmlu"); }, {"mmlu", "llm-pruner"});
    }

    void customTaskLists() {
        const auto tasks = parseEvalTasks("piqa:acc,hellaswag,wikitext2");
        QCOMPARE(tasks.size(), std::size_t{3});
        QCOMPARE(tasks[0].metric, std::string("acc"));
        QCOMPARE(tasks[1].metric, std::string("acc_norm"));
        QVERIFY(tasks[2].perplexity);
        expectError([] { parseEvalTasks("boolq:acc_norm"); }, {"boolq", "acc_norm"});
        expectError([] { parseEvalTasks("mmlu"); }, {"unknown task 'mmlu'", "hellaswag"});
        expectError([] { parseEvalTasks(","); }, {"no tasks"});
    }

    void averageSkipsPerplexity() {
        TaskOutcome a, b, p;
        a.task = {"piqa", "acc", false};
        a.metrics["acc"] = {0.6, 0.01};
        b.task = {"hellaswag", "acc_norm", false};
        b.metrics["acc_norm"] = {0.4, 0.01};
        p.task = {"wikitext2", "ppl", true};
        p.metrics["ppl"] = {30.0, 1.0};
        QCOMPARE(*zeroShotAverage({a, b, p}), 0.5);
        QVERIFY(!zeroShotAverage({p}).has_value());
    }
};

QTEST_GUILESS_MAIN(TestZeroShotRules)
#include "test_zeroshot_rules.moc"
