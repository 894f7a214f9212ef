// Each view shows exactly the data it is given (no model needed): heatmap cells, detected
// patches, importance curves, layer-map cells and clicks, trajectory points, figure files.

#include <QSignalSpy>
#include <QtTest/QtTest>

#include <cmath>
#include <qcustomplot.h>

#include "widgets/heatmap_view.h"
#include "widgets/importance_view.h"
#include "widgets/layer_map_view.h"
#include "widgets/plot_style.h"
#include "widgets/trajectory_view.h"

using namespace lamina;

namespace {

// A 6×6 similarity with two hand-made patches: rows 0–2 and 3–5 (0.95 inside, 0.5 across).
SimilarityMatrix twoPatches() {
    SimilarityMatrix m;
    m.measure = "cka_linear";
    m.representation = "residual";
    for (int i = 0; i < 6; ++i) m.labels.push_back("h" + std::to_string(i));
    for (int i = 0; i < 6; ++i) {
        for (int j = 0; j < 6; ++j) m.values.push_back(i == j ? 1.0 : (i / 3 == j / 3 ? 0.95 : 0.5 + 0.01 * (i + j)));
    }
    return m;
}

}  // namespace

class TestViews : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

private Q_SLOTS:
    void heatmapShowsTheMatrix() {
        HeatmapView view;
        SimilarityMatrix a = twoPatches(), b = twoPatches();
        b.measure = "cosine";
        for (double& v : b.values) v = v * 0.5;
        view.setMatrices({a, b});
        for (int i = 0; i < 6; ++i) {
            for (int j = 0; j < 6; ++j) QCOMPARE(view.displayedValue(i, j), a.at(i, j));
        }
        QVERIFY(view.selectVariant("cosine/residual"));
        QCOMPARE(view.displayedValue(1, 4), b.at(1, 4));
        QVERIFY(!view.selectVariant("cka_rbf/residual"));
    }

    void patchesAreRunsAboveThreshold() {
        const auto p = detectPatches(twoPatches(), 0.9);
        QCOMPARE(p.size(), std::size_t{2});
        QCOMPARE(p[0].first, int64_t{0});
        QCOMPARE(p[0].last, int64_t{2});
        QCOMPARE(p[1].first, int64_t{3});
        QCOMPARE(p[1].last, int64_t{5});
        QCOMPARE(detectPatches(twoPatches(), 0.99).size(), std::size_t{0});
        QCOMPARE(detectPatches(twoPatches(), 0.4).size(), std::size_t{1});  // everything
    }

    void importanceCurvesAndRemovedMarks() {
        ImportanceScores s;
        s.metric = "js_drop";
        s.units = {"attn.0", "mlp.0", "attn.1", "mlp.1", "block.0", "block.1"};
        s.shape = {6};
        s.values = {0.5, 0.1, 0.02, 0.3, 0.9, 0.4};
        ImportanceView view;
        view.setScores({s});
        const auto attn = view.curve("attn");
        QCOMPARE(attn.size(), std::size_t{2});
        QCOMPARE(attn[1], std::make_pair(1.0, 0.02));
        QCOMPARE(view.curve("mlp")[0], std::make_pair(0.0, 0.1));
        QCOMPARE(view.curve("block")[1], std::make_pair(1.0, 0.4));
        EditablePlan plan = *EditablePlan::empty(2).toggled({Unit::Kind::Attn, 1});
        view.setPlan(plan);
        view.setLogScale(true);
        // Graph pairs per kind: curve, then its "removed" marks; attention is the first pair.
        QCPGraph* removed = view.plot()->graph(1);
        QCOMPARE(removed->dataCount(), 1);
        QCOMPARE(removed->data()->at(0)->key, 1.0);
        QCOMPARE(removed->data()->at(0)->value, 0.02);
    }

    void layerMapCellsAndClicks() {
        LayerMapView view;
        ModelSummary summary;
        summary.config.numLayers = 4;
        summary.layers.resize(4);
        view.setModel(summary);
        view.resize(view.sizeHint());
        view.show();
        QVERIFY(QTest::qWaitForWindowExposed(&view));
        QSignalSpy clicked(&view, &LayerMapView::unitClicked);
        for (const Unit u : {Unit{Unit::Kind::Attn, 2}, Unit{Unit::Kind::Mlp, 3}, Unit{Unit::Kind::Block, 0}}) {
            QCOMPARE(view.unitAt(view.cellCenter(u))->label(), u.label());
            QTest::mouseClick(&view, Qt::LeftButton, {}, view.cellCenter(u));
        }
        QCOMPARE(clicked.count(), 3);
        QCOMPARE(clicked[1][0].value<Unit>().label(), std::string("mlp.3"));
        QVERIFY(!view.unitAt(QPoint(1, 1)).has_value());

        // A pruned import lacks some sublayers: their cells are empty slots, not clickable.
        summary.config.blockShapes = {{true, true}, {false, true}, {true, false}, {true, true}};
        view.setModel(summary);
        QVERIFY(!view.unitAt(view.cellCenter({Unit::Kind::Attn, 1})).has_value());
        QVERIFY(!view.unitAt(view.cellCenter({Unit::Kind::Mlp, 2})).has_value());
        QCOMPARE(view.unitAt(view.cellCenter({Unit::Kind::Mlp, 1}))->label(), std::string("mlp.1"));
        QTest::mouseClick(&view, Qt::LeftButton, {}, view.cellCenter({Unit::Kind::Attn, 1}));
        QCOMPARE(clicked.count(), 3);
        QCOMPARE(summary.config.presentSublayers(), int64_t{6});
    }

    void trajectoryPointsAreTheSteps() {
        Trajectory t;
        t.method = "finercut";
        t.basePerplexity = 10;
        for (int k = 1; k <= 3; ++k) {
            TrajectoryStep s;
            s.kind = StepKind::Attn;
            s.layer = k;
            s.removedSublayers = k;
            s.perplexity = 10 + k;
            t.steps.push_back(s);
        }
        TrajectoryView view;
        view.setTrajectories({t}, 4);
        const auto pts = view.points(0);
        QCOMPARE(pts.size(), std::size_t{4});
        QCOMPARE(pts[0], std::make_pair(0.0, 10.0));
        QCOMPARE(pts[3], std::make_pair(3.0 / 8.0, 13.0));
        QCOMPARE(view.plot()->graph(0)->dataCount(), 4);
    }

    void figuresAreWritten_data() {
        QTest::addColumn<QString>("suffix");
        QTest::addColumn<QByteArray>("magic");
        QTest::newRow("png") << "png" << QByteArray("\x89PNG");
        QTest::newRow("pdf") << "pdf" << QByteArray("%PDF");
        QTest::newRow("svg") << "svg" << QByteArray("<?xml");
    }
    void figuresAreWritten() {
        QFETCH(QString, suffix);
        QFETCH(QByteArray, magic);
        HeatmapView view;
        view.resize(500, 400);
        view.setMatrices({twoPatches()});
        const QString file = mTmp.filePath("figure." + suffix);
        QCOMPARE(savePlot(view.plot(), file), QString());
        QFile f(file);
        QVERIFY(f.open(QIODevice::ReadOnly));
        QVERIFY(f.size() > 1000);
        QVERIFY(f.read(magic.size()).startsWith(magic));
        QVERIFY(!savePlot(view.plot(), mTmp.filePath("figure.bmpx")).isEmpty());
    }
};

QTEST_MAIN(TestViews)
#include "test_views.moc"
