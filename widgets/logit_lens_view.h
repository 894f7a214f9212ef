#pragma once

#include <QWidget>

#include <optional>

#include "workbench/inspection.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace lamina {

/// The logit lens: for one prompt position, the most likely next tokens read off every
/// residual stream (final norm + output layer), unpruned beside pruned. One row per block of
/// the unpruned model; a pruned reading sits on the row of the block it was cut from (the
/// first of a merged window), removed blocks show a dash.
class LogitLensView : public QWidget {
    Q_OBJECT
public:
    explicit LogitLensView(QWidget* parent = nullptr);

    void setLens(const std::optional<LensResult>& lens);
    void setBusy(bool busy);
    /// Selects the row of unpruned block `block` (what a click in the layer map does).
    void selectBlock(int64_t block);
    QTableWidget* table() const { return mTable; }
    QLineEdit* promptEdit() const { return mPrompt; }
    QPushButton* showButton() const { return mShow; }
    /// Table row of the reading after unpruned block `block` (row 0: the embeddings).
    static int rowOfBlock(int64_t block) { return static_cast<int>(block + 1); }

Q_SIGNALS:
    /// `position` -1: the last prompt token.
    void lensRequested(const QString& prompt, int position, int topK);

private:
    QLineEdit* mPrompt;
    QSpinBox* mPosition;
    QSpinBox* mTopK;
    QPushButton* mShow;
    QLabel* mCaption;
    QTableWidget* mTable;
};

}  // namespace lamina
