// The main window on the bundled demo model: the layer table shows what the checkpoint
// holds. Expected numbers come from the model's dimensions and the index file written by
// transformers (metadata.total_parameters), not from our own code.

#include <QStandardPaths>
#include <QTableView>
#include <QtTest/QtTest>

#include "fixtures.h"
#include "main_window.h"
#include "widgets/layer_table_model.h"

using namespace lamina;

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }  // results files go to a test folder

    void opensDemoModel() {
        MainWindow window;
        QVERIFY(window.openModel(QString::fromStdString(test::demoModelDir().string()), true));
        const LayerTableModel* layers = window.layerModel();
        QCOMPARE(layers->rowCount(), 16);
        // d = 256, 8 heads × 32, 4 KV heads, FFN 688.
        const qint64 attn = 256 + 256 * 256 + 2 * 128 * 256 + 256 * 256;
        const qint64 mlp = 256 + 3 * 688 * 256;
        for (int row = 0; row < 16; ++row) {
            QCOMPARE(layers->index(row, LayerTableModel::Block).data(Qt::UserRole).toLongLong(),
                     row);
            QCOMPARE(
                layers->index(row, LayerTableModel::AttnParams).data(Qt::UserRole).toLongLong(),
                attn);
            QCOMPARE(layers->index(row, LayerTableModel::MlpParams).data(Qt::UserRole).toLongLong(),
                     mlp);
        }
        QCOMPARE(layers->summary().totalParams, 19800320);  // index.json metadata
        QVERIFY(window.windowTitle().contains("demo-model"));
    }

    void badDirectoryKeepsPreviousModel() {
        MainWindow window;
        QVERIFY(window.openModel(QString::fromStdString(test::demoModelDir().string()), true));
        QTemporaryDir empty;
        QVERIFY(!window.openModel(empty.path(), true));
        QVERIFY(window.lastError().contains("config.json"));
        QCOMPARE(window.layerModel()->rowCount(), 16);
    }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
