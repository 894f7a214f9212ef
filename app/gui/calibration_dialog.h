#pragma once

#include <QDialog>

#include "data/calibration_request.h"

class QLineEdit;
class QSpinBox;

namespace lamina {

/// Edits the calibration data: a text file (empty: self-generated) and the windows' N and T.
class CalibrationDialog : public QDialog {
    Q_OBJECT
public:
    CalibrationDialog(const CalibrationRequest& current, QWidget* parent = nullptr);
    /// The current request with the dialog's choices.
    CalibrationRequest request() const;

private:
    CalibrationRequest mCurrent;
    QLineEdit* mFile;
    QSpinBox* mWindows;
    QSpinBox* mSeq;
};

}  // namespace lamina
