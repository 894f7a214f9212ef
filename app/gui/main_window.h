#pragma once

#include <QMainWindow>

class QLabel;
class QTableView;

namespace lamina {

class LayerTableModel;

/// The app's main window. For now: the open model's description and its layer table.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);

    /// Describes the model at `path` and shows it; on failure shows the error (message box
    /// unless `quiet`) and keeps the previous model. Returns whether it succeeded.
    bool openModel(const QString& path, bool quiet = false);

    const LayerTableModel* layerModel() const { return mLayers; }
    QString lastError() const { return mLastError; }

private:
    void createActions();
    void openModelDialog();

    LayerTableModel* mLayers;
    QTableView* mTable;
    QLabel* mHeader;
    QString mLastError;
};

}  // namespace lamina
