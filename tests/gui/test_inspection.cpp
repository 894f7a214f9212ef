// The Compare and Logit-lens views on the bundled demo model, against direct computations:
// greedy continuations by full forwards (no KV cache, no stepper) of the unpruned and the
// pruned model, and the lens as final norm + output layer applied to runBlocks' output after
// each block count.

#include <QStandardPaths>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QUndoStack>
#include <QtTest/QtTest>

#include <ATen/ATen.h>

#include "common/runtime.h"
#include "fixtures.h"
#include "main_window.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "session.h"
#include "tokenizer/tokenizer_for_model.h"
#include "widgets/compare_view.h"
#include "widgets/logit_lens_view.h"

using namespace lamina;

namespace {

const char* kPrompt = "Once upon a time, there was a little";
constexpr int kNewTokens = 20;

// Greedy continuation by full forwards over the whole sequence at every step.
std::vector<int32_t> greedyByFullForwards(const Model& m, std::vector<TokenId> ids, int n, TokenId eos) {
    std::vector<int32_t> out;
    for (int i = 0; i < n; ++i) {
        const at::Tensor t = at::tensor(std::vector<int64_t>(ids.begin(), ids.end()), at::kLong).unsqueeze(0);
        const auto next = static_cast<TokenId>(forwardLogits(m, t).select(1, t.size(1) - 1).argmax(-1).item<int64_t>());
        out.push_back(next);
        ids.push_back(next);
        if (next == eos) break;
    }
    return out;
}

// Opens the demo model without the default analysis and pruning runs (minutes of work the
// views under test do not need): they are cancelled as soon as the model is open.
Session* openQuietly(MainWindow& window) {
    Session* session = window.session();
    if (!window.openModel(QString::fromStdString(test::demoModelDir().string()), true)) return nullptr;
    QDeadlineTimer deadline(60000);
    while (!session->isOpen() && !deadline.hasExpired()) QTest::qWait(20);
    // A job that finishes before it sees the cancel (a cached analysis) queues the next
    // default job: cancel until none runs.
    QDeadlineTimer idle(60000);
    do {
        session->cancelJobs();
        QTest::qWait(100);
    } while (session->isBusy() && !idle.hasExpired());
    return session->waitIdle(60000) ? session : nullptr;
}

int64_t firstDifference(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
        if (a[i] != b[i]) return static_cast<int64_t>(i);
    }
    return a.size() == b.size() ? -1 : static_cast<int64_t>(std::min(a.size(), b.size()));
}

}  // namespace

class TestInspection : public QObject {
    Q_OBJECT
    std::shared_ptr<const Model> mModel;
    std::unique_ptr<Tokenizer> mTokenizer;
    std::vector<TokenId> mPrompt;
    TokenId mEos = -1;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        configureRuntime(2);
        mModel = loadModel(test::demoModelDir());
        mTokenizer = tokenizerForModel(test::demoModelDir(), mModel->config.vocabSize, "");
        mPrompt = mTokenizer->encode(kPrompt, true);
        mEos = mTokenizer->eosId().value_or(-1);
    }

    // Empty plan: both sides are the same greedy text, no marker. Removing a unit regenerates
    // the right-hand side and the marker sits where the pruned model's own greedy text parts
    // from the unpruned one; another unit moves it there.
    void compareFollowsThePlan() {
        MainWindow window;
        Session* session = openQuietly(window);
        QVERIFY(session != nullptr);
        CompareView* view = window.compareView();
        view->promptEdit()->setText(kPrompt);
        view->findChild<QSpinBox*>()->setValue(kNewTokens);
        view->generateButton()->click();
        QVERIFY(session->waitIdle(60000));
        QVERIFY(session->comparison().has_value());
        QVERIFY(session->comparison()->unpruned.done && session->comparison()->pruned.done);
        QVERIFY(!view->generateButton()->text().contains("Generating"));  // not left busy
        const std::vector<int32_t> base = greedyByFullForwards(*mModel, mPrompt, kNewTokens, mEos);
        QCOMPARE(session->comparison()->unpruned.tokens, base);
        QCOMPARE(session->comparison()->pruned.tokens, base);
        QCOMPARE(view->markedToken(), int64_t{-1});
        QCOMPARE(view->generatedText(0), view->generatedText(1));
        // The streamed pieces add up to the continuation decoded in one piece.
        std::vector<TokenId> whole = {mPrompt.back()};
        whole.insert(whole.end(), base.begin(), base.end());
        const std::string head = mTokenizer->decode({mPrompt.back()});
        QCOMPARE(view->generatedText(0).toStdString(), mTokenizer->decode(whole).substr(head.size()));

        std::vector<int64_t> markers;
        for (const Unit unit : {Unit{Unit::Kind::Mlp, 0}, Unit{Unit::Kind::Attn, 9}}) {
            QVERIFY(session->toggleUnit(unit));
            QVERIFY(session->waitIdle(60000));
            const auto pruned = applyPlan(*mModel, session->currentPlan());
            const std::vector<int32_t> expected = greedyByFullForwards(*pruned, mPrompt, kNewTokens, mEos);
            QCOMPARE(session->comparison()->unpruned.tokens, base);
            QCOMPARE(session->comparison()->pruned.tokens, expected);
            QCOMPARE(view->markedToken(), firstDifference(base, expected));
            markers.push_back(view->markedToken());
            session->undoStack()->undo();
            QVERIFY(session->waitIdle(60000));
        }
        // The lens has a lane of its own: reading it does not regenerate the texts.
        QSignalSpy regenerated(session, &Session::comparisonChanged);
        session->runLens(kPrompt, -1, 3);
        QVERIFY(session->waitIdle(60000));
        QVERIFY(session->lens().has_value());
        QCOMPARE(regenerated.count(), 0);
        qInfo("markers: %lld (mlp.0 removed), %lld (attn.9 removed)", static_cast<long long>(markers[0]),
              static_cast<long long>(markers[1]));
        QVERIFY(markers[0] >= 0);  // removing the first FFN changes the text
        QVERIFY(markers[0] != markers[1]);
    }

    // Each row's top tokens and probabilities equal the final norm + output layer applied to
    // h_i at the last position; the pruned column follows the plan with its blocks' numbers.
    void lensMatchesDirectComputation() {
        MainWindow window;
        Session* session = openQuietly(window);
        QVERIFY(session != nullptr);
        QVERIFY(session->toggleUnit(Unit{Unit::Kind::Block, 3}));
        QVERIFY(session->waitIdle(60000));
        session->runLens(kPrompt, -1, 3);
        QVERIFY(session->waitIdle(60000));
        QVERIFY(session->lens().has_value());
        const LensResult& lens = *session->lens();
        const auto T = static_cast<int64_t>(mPrompt.size());
        QCOMPARE(lens.position, T - 1);
        const at::Tensor ids = at::tensor(std::vector<int64_t>(mPrompt.begin(), mPrompt.end()), at::kLong).unsqueeze(0);
        const auto pruned = applyPlan(*mModel, session->currentPlan());
        const auto check = [&](const Model& m, const std::vector<LensRow>& rows) {
            QCOMPARE(static_cast<int64_t>(rows.size()), m.numLayers() + 1);
            for (int64_t i = 0; i <= m.numLayers(); ++i) {
                const at::Tensor h = runBlocks(m, embedTokens(m, ids), 0, i);
                const at::Tensor p = lmLogits(m, h).select(1, T - 1).view({-1}).to(at::kDouble).softmax(0);
                const auto [values, indices] = p.topk(3);
                const LensRow& row = rows[static_cast<std::size_t>(i)];
                for (int64_t j = 0; j < 3; ++j) {
                    QVERIFY(std::abs(row.probabilities[static_cast<std::size_t>(j)] - values[j].item<double>()) < 1e-5);
                    QCOMPARE(row.pieces[static_cast<std::size_t>(j)],
                             mTokenizer->decode({static_cast<TokenId>(indices[j].item<int64_t>())}));
                }
            }
        };
        check(*mModel, lens.unpruned);
        check(*pruned, lens.pruned);
        QCOMPARE(lens.pruned[3].sourceBlock, int64_t{2});
        QCOMPARE(lens.pruned[4].sourceBlock, int64_t{4});  // block 3 is gone
        QTableWidget* table = window.lensView()->table();
        QCOMPARE(table->rowCount(), 17);
        QVERIFY(table->item(LogitLensView::rowOfBlock(3), 1)->text().contains("removed"));
        QVERIFY(!table->item(LogitLensView::rowOfBlock(4), 1)->text().contains("removed"));
        window.lensView()->selectBlock(5);
        QCOMPARE(table->currentRow(), LogitLensView::rowOfBlock(5));
    }
};

QTEST_MAIN(TestInspection)
#include "test_inspection.moc"
