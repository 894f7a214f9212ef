// The GUI's editable plan (toggles, merges, operations) and the merge-sweep records, on
// hand-made plans.

#include <QtTest/QtTest>

#include "pruning/plan_edit.h"
#include "common/error.h"
#include "pruning/sweep_records.h"

using namespace lamina;

class TestPlanEdit : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void togglesBecomeOperations() {
        EditablePlan p = EditablePlan::empty(6);
        p = *p.toggled({Unit::Kind::Attn, 1});
        p = *p.toggled({Unit::Kind::Mlp, 1});   // both sublayers of block 1: a block drop
        p = *p.toggled({Unit::Kind::Mlp, 4});
        const auto ops = p.operations();
        QCOMPARE(ops.size(), std::size_t{2});
        QVERIFY(ops[0].op == PlanOperation::Op::DropBlock && ops[0].layer == 1);
        QVERIFY(ops[1].op == PlanOperation::Op::DropMlp && ops[1].layer == 4);
        QCOMPARE(p.removedSublayers(), int64_t{3});
        QVERIFY(EditablePlan::fromOperations(6, ops) == p);
        // Toggling a removed unit restores it; a whole block toggles both sublayers.
        QVERIFY(p.toggled({Unit::Kind::Block, 1})->operations().size() == 1);
        QVERIFY(*p.toggled({Unit::Kind::Mlp, 4})->toggled({Unit::Kind::Mlp, 4}) == p);
        QVERIFY(!p.toggled({Unit::Kind::Attn, 6}).has_value());
    }

    void mergesOwnTheirBlocks() {
        EditablePlan p = *EditablePlan::empty(8).toggled({Unit::Kind::Attn, 3});
        p = p.withMerges({PlanOperation::merge(2, 4, MergeFormula::Rdsc)});
        QVERIFY(!p.attnRemoved[3]);  // a drop inside a merge window is cleared
        QVERIFY(p.attnState(3) == SublayerState::Merged && p.mlpState(2) == SublayerState::Merged);
        QVERIFY(p.attnState(5) == SublayerState::Kept);
        QVERIFY(!p.toggled({Unit::Kind::Mlp, 4}).has_value());
        QCOMPARE(p.removedSublayers(), int64_t{4});  // 3 blocks → 1: two blocks' sublayers
        QCOMPARE(p.mergeOf(4)->layer, int64_t{2});
        QVERIFY(!p.mergeOf(5).has_value());
        QCOMPARE(p.operations().back().lastLayer, int64_t{4});
    }

    void sweepRecordRoundTrip() {
        std::vector<SlmSweepEntry> sweep(3);
        sweep[0] = {0.9, 1.0, {}, 0};
        sweep[1] = {0.8, 0.9, {{10, 12, 0.91}}, 2};
        sweep[2] = {-1.0, 0.8, {{10, 14, 0.85}, {3, 5, 0.82}}, 6};
        const StoredResult r = toRecord(sweepQuery("{}", "fp", "data"), sweep);
        const auto back = sweepFromRecord(r);
        QCOMPARE(back.size(), std::size_t{3});
        QCOMPARE(back[2].merges.size(), std::size_t{2});
        QCOMPARE(back[2].merges[1].first, int64_t{3});
        QCOMPARE(back[2].merges[1].similarity, 0.82);
        QCOMPARE(back[1].thresholdLow, 0.8);
        QCOMPARE(back[2].removedBlocks, int64_t{6});
        StoredResult broken = r;
        broken.ints["merge_offsets"].values.back() = 7;
        QVERIFY_EXCEPTION_THROWN(sweepFromRecord(broken), Error);
    }
};

QTEST_GUILESS_MAIN(TestPlanEdit)
#include "test_plan_edit.moc"
