#pragma once

#include <QWidget>

#include <optional>

#include "workbench/inspection.h"

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTextBrowser;

namespace lamina {

/// The unpruned and the pruned model continuing one prompt, side by side, as the tokens
/// arrive; from the first token where they differ both sides are highlighted and that token
/// is marked. Each side shows its decode speed.
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);

    void setComparison(const std::optional<Comparison>& comparison);
    void setBusy(bool busy);
    /// The new-token index marked as the first difference (-1: none).
    int64_t markedToken() const { return mMarked; }
    /// The generated text of side 0 (unpruned) or 1 (pruned), as shown.
    QString generatedText(int side) const;
    CompareRequest currentRequest() const;
    QPushButton* generateButton() const { return mGenerate; }
    QLineEdit* promptEdit() const { return mPrompt; }

Q_SIGNALS:
    void generateRequested(const lamina::CompareRequest& request);

private:
    QString render(const GeneratedText& side, int64_t marked) const;

    QLineEdit* mPrompt;
    QSpinBox* mTokens;
    QPushButton* mGenerate;
    QTextBrowser* mSide[2];
    QLabel* mSpeed[2];
    QLabel* mVerdict;
    std::optional<Comparison> mComparison;
    int64_t mMarked = -1;
};

}  // namespace lamina
