#pragma once

#include <QDialog>

#include "eval/run_evaluation.h"

class QComboBox;
class QLineEdit;
class QSpinBox;

namespace lamina {

/// Chooses an evaluation: protocol preset, data folder (remembered), items per task and which
/// models (the current plan, the unpruned model or both).
class EvaluateDialog : public QDialog {
    Q_OBJECT
public:
    explicit EvaluateDialog(QWidget* parent = nullptr);
    /// Throws `Error` for an unknown protocol.
    EvalRequest request() const;
    bool withPlan() const;
    bool withUnpruned() const;

private:
    QComboBox* mProtocol;
    QLineEdit* mDataDir;
    QSpinBox* mLimit;
    QComboBox* mWhich;
};

}  // namespace lamina
