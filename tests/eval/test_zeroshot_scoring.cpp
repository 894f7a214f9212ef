// Log-likelihood scoring against computations written here: full forward passes from token 0
// (no KV cache, no batching), log-softmax and sums done in the test. stories260K with its
// llama2.c tokenizer, and the real Llama-2 tokenizer for lm-eval's pair encoding.

#include <QtTest/QtTest>

#include <cmath>
#include <fstream>

#include "common/runtime.h"
#include "eval/loglikelihood.h"
#include "eval/run_evaluation.h"
#include "eval/zeroshot.h"
#include "expect_error.h"
#include "fixtures.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "store/results_store.h"

using namespace lamina;
using lamina::test::sharedDir;

namespace {

std::vector<TokenId> concat(std::vector<TokenId> a, const std::vector<TokenId>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// Independent reference: log-likelihood of `cont` after `ctx` from one full forward pass.
RequestScore reference(const Model& m, const std::vector<TokenId>& ctx, const std::vector<TokenId>& cont) {
    const std::vector<TokenId> all = concat(ctx, cont);
    const at::Tensor ids = at::tensor(all, at::kInt).to(at::kLong).unsqueeze(0);
    const at::Tensor logp = at::log_softmax(forwardLogits(m, ids).squeeze(0).to(at::kDouble), -1);
    RequestScore s;
    s.greedy = true;
    for (std::size_t t = 0; t < cont.size(); ++t) {
        const int64_t pos = static_cast<int64_t>(ctx.size() + t) - 1;  // predicts token ctx+t
        s.logLikelihood += logp[pos][cont[t]].item<double>();
        s.greedy = s.greedy && logp[pos].argmax().item<int64_t>() == cont[t];
    }
    s.tokens = static_cast<int64_t>(cont.size());
    return s;
}

bool close(double a, double b) { return std::fabs(a - b) <= 1e-4 * std::max(1.0, std::fabs(b)); }

}  // namespace

class TestZeroShotScoring : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;
    std::unique_ptr<Tokenizer> mTok;
    QTemporaryDir mTmp;

    std::vector<TokenId> enc(const std::string& s) const { return mTok->encode(s, false); }

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        configureRuntime(2);
        mModel = loadModel(sharedDir() / "models" / "stories260K");
        mTok = loadLlama2cTokenizer(sharedDir() / "models" / "stories260K" / "llama2c" / "tok512.bin", 512);
    }

    // lm-eval's _encode_pair: the continuation is what the joined string adds after the
    // separately tokenized context. "The ca" + "t sat": the context tokenizes as
    // [The, c, a], the whole as [The, c, at, sat]; the scored continuation is [sat] and the
    // model reads [The, c, a, sat] — the "t" disappears in the merge, exactly as in lm-eval.
    void tokenBoundaryFollowsLmEval() {
        const auto ctx = enc("The ca"), whole = enc("The cat sat");
        QVERIFY2(!std::equal(ctx.begin(), ctx.end(), whole.begin()), "fixture: the join must merge");
        const LoglikelihoodRequest r = encodeRequest(*mTok, "The ca", "t sat", {});
        QCOMPARE(r.context, ctx);
        QCOMPARE(r.continuation, std::vector<TokenId>(whole.begin() + static_cast<std::ptrdiff_t>(ctx.size()), whole.end()));
        const RequestScore s = scoreRequests(*mModel, {r})[0];
        QVERIFY(close(s.logLikelihood, reference(*mModel, r.context, r.continuation).logLikelihood));
    }

    // Trailing whitespace of the context moves to the continuation (Python's rstrip).
    void trailingWhitespaceMovesToContinuation() {
        const auto tok = loadHfTokenizer(sharedDir() / "tokenizers" / "llama2" / "tokenizer.json");
        const LoglikelihoodRequest r = encodeRequest(*tok, "Is it raining? \n", "yes", {});
        const auto ctx = tok->encode("Is it raining?", false);
        const auto whole = tok->encode("Is it raining? \nyes", false);
        QCOMPARE(r.context, ctx);
        QCOMPARE(r.continuation, std::vector<TokenId>(whole.begin() + static_cast<std::ptrdiff_t>(ctx.size()), whole.end()));
        RequestEncoding bos;
        bos.prependBos = true;
        bos.bos = 1;
        QCOMPARE(encodeRequest(*tok, "Is it raining? \n", "yes", bos).context, concat({1}, ctx));
        // An empty context is replaced by the prefix token and the continuation stands alone.
        const LoglikelihoodRequest e = encodeRequest(*tok, "", "Hello", {});
        QCOMPARE(e.context, std::vector<TokenId>{1});
        QCOMPARE(e.continuation, tok->encode("Hello", false));
    }

    // A two-choice question scored through the shared-context KV path equals full forward
    // passes; acc and acc_norm disagree on it, and both follow the independent numbers.
    void twoChoiceItemMatchesReference() {
        const std::string context = "Once upon a time, there was a little girl named Lily. She loved to";
        const std::vector<std::string> choices = {"eat", "play outside in the park"};
        ZeroShotTask task;
        task.spec = findZeroShotTask("piqa");
        ZeroShotItem item;
        for (const auto& c : choices) {
            item.contexts.push_back(context);
            item.continuations.push_back(" " + c);
            item.choiceLengths.push_back(static_cast<int64_t>(c.size()));
        }
        item.gold = 1;
        task.items = {item};
        const ZeroShotRun run = evaluateZeroShot(*mModel, *mTok, task, {});
        std::vector<double> ll, perChar;
        for (std::size_t j = 0; j < choices.size(); ++j) {
            const auto r = encodeRequest(*mTok, context, " " + choices[j], {});
            const RequestScore want = reference(*mModel, r.context, r.continuation);
            const RequestScore& got = run.scores[0][j];
            QVERIFY2(close(got.logLikelihood, want.logLikelihood),
                     qPrintable(QString("%1 vs %2").arg(got.logLikelihood).arg(want.logLikelihood)));
            QCOMPARE(got.greedy, want.greedy);
            QCOMPARE(got.tokens, want.tokens);
            ll.push_back(want.logLikelihood);
            perChar.push_back(want.logLikelihood / static_cast<double>(choices[j].size()));
        }
        const double acc = ll[1] > ll[0] ? 1 : 0, accNorm = perChar[1] > perChar[0] ? 1 : 0;
        QVERIFY2(acc != accNorm, qPrintable(QString("fixture: ll %1 %2, per char %3 %4")
                                                .arg(ll[0]).arg(ll[1]).arg(perChar[0]).arg(perChar[1])));
        QCOMPARE(run.metrics.metrics.at("acc").value, acc);
        QCOMPARE(run.metrics.metrics.at("acc_norm").value, accNorm);
    }

    // Shared-context groups, padded batches of unrelated requests and left truncation at the
    // model's length all give the reference numbers.
    void batchingAndTruncationMatchReference() {
        const auto ctxA = enc("Once upon a time, there was a big dog"), ctxB = enc("Tom had a red ball");
        std::vector<LoglikelihoodRequest> rs = {
            {ctxA, enc(" named Max")}, {ctxA, enc(" who liked to run and jump")}, {ctxA, enc(".")},
            {ctxB, enc(" and he played")}, {enc("The sun"), enc(" was hot and bright")}};
        ScoringOptions small;
        small.batchTokens = 20;  // several padded batches
        const auto got = scoreRequests(*mModel, rs, {}, small);
        for (std::size_t i = 0; i < rs.size(); ++i) {
            const RequestScore want = reference(*mModel, rs[i].context, rs[i].continuation);
            QVERIFY2(close(got[i].logLikelihood, want.logLikelihood), qPrintable(QString::number(i)));
            QCOMPARE(got[i].greedy, want.greedy);
        }
        // maxLength 6: lm-eval reads (ctx + cont)[-7:][:-1] and scores the continuation.
        ScoringOptions tight;
        tight.maxLength = 6;
        const auto cut = scoreRequests(*mModel, {rs[0]}, {}, tight)[0];
        const std::vector<TokenId> all = concat(rs[0].context, rs[0].continuation);
        const std::vector<TokenId> kept(all.end() - 7, all.end());
        const std::size_t K = rs[0].continuation.size();
        QVERIFY(K < 7 && all.size() > 7);
        const RequestScore want = reference(*mModel, std::vector<TokenId>(kept.begin(), kept.end() - static_cast<std::ptrdiff_t>(K)),
                                            std::vector<TokenId>(kept.end() - static_cast<std::ptrdiff_t>(K), kept.end()));
        QVERIFY(close(cut.logLikelihood, want.logLikelihood));
    }

    // Removed units are honoured: scoring the pruned model equals the reference on it.
    void prunedModelScoresMatch() {
        PruningPlan plan;
        plan.layers = 5;
        plan.operations = {PlanOperation::drop({Unit::Kind::Attn, 1}), PlanOperation::drop({Unit::Kind::Block, 3})};
        const auto pruned = applyPlan(*mModel, plan);
        const LoglikelihoodRequest r{enc("Lily and Ben went to"), enc(" the park")};
        const LoglikelihoodRequest r2{r.context, enc(" school")};
        const auto got = scoreRequests(*pruned, {r, r2});
        QVERIFY(close(got[0].logLikelihood, reference(*pruned, r.context, r.continuation).logLikelihood));
        QVERIFY(close(got[1].logLikelihood, reference(*pruned, r2.context, r2.continuation).logLikelihood));
        QVERIFY(!close(got[0].logLikelihood, reference(*mModel, r.context, r.continuation).logLikelihood));
    }

    // A repeated evaluation is answered from the results store; a different limit or plan is not.
    void evaluationsAreCached() {
        EvalRequest req;
        req.protocol.name = "custom";
        req.protocol.tasks = parseEvalTasks("copa,tinystories");
        req.protocol.seqLen = 64;
        req.protocol.maxWindows = 2;
        req.dataDir = sharedDir() / "data";
        req.limit = 10;
        const auto store = ResultsStore::open(std::filesystem::path(mTmp.path().toStdString()) / "eval.h5");
        const EvalSubject subject{mModel.get(), mTok.get(), "fp-test", nullptr};
        const auto first = runEvaluation(subject, req, store.get());
        QVERIFY(!first[0].cached && !first[1].cached);
        QCOMPARE(first[0].items, int64_t{10});
        QCOMPARE(first[1].items, int64_t{2});
        const auto again = runEvaluation(subject, req, store.get());
        for (std::size_t i = 0; i < 2; ++i) {
            QVERIFY(again[i].cached);
            QCOMPARE(again[i].headline().value, first[i].headline().value);
            QCOMPARE(again[i].items, first[i].items);
        }
        req.limit = 12;
        QVERIFY(!runEvaluation(subject, req, store.get())[0].cached);
        const EvalSubject prunedSubject{mModel.get(), mTok.get(), "fp-test", nlohmann::json::array({{{"op", "drop_block"}, {"layer", 2}}})};
        QVERIFY(!runEvaluation(prunedSubject, req, store.get())[0].cached);
    }

    void cancelStopsPromptly() {
        EvalRequest req;
        req.protocol.tasks = parseEvalTasks("hellaswag");
        req.dataDir = sharedDir() / "data";
        req.limit = 200;
        const EvalSubject subject{mModel.get(), mTok.get(), "fp-test", nullptr};
        int calls = 0;
        QVERIFY_EXCEPTION_THROWN(
            runEvaluation(subject, req, nullptr, [&](int64_t, int64_t) { return ++calls < 5; }), Cancelled);
        QCOMPARE(calls, 5);
    }
};

QTEST_GUILESS_MAIN(TestZeroShotScoring)
#include "test_zeroshot_scoring.moc"
