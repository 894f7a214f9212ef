#include "widgets/logit_lens_view.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>

#include <algorithm>

namespace lamina {

namespace {

QString readingText(const LensRow& row) {
    QStringList parts;
    for (std::size_t i = 0; i < row.pieces.size(); ++i) {
        parts << QStringLiteral("%1 %2%").arg(QString::fromStdString(row.pieces[i]).simplified().isEmpty()
                                                  ? QStringLiteral("␣")
                                                  : QString::fromStdString(row.pieces[i]).trimmed())
                     .arg(100 * row.probabilities[i], 0, 'f', 0);
    }
    return parts.join(QStringLiteral("   "));
}

QTableWidgetItem* readingItem(const LensRow& row) {
    auto* item = new QTableWidgetItem(readingText(row));
    const double p = row.probabilities.empty() ? 0 : row.probabilities.front();
    QColor tint(49, 130, 189);
    tint.setAlphaF(static_cast<float>(0.08 + 0.5 * p));  // the top token's probability
    item->setBackground(tint);
    item->setToolTip(QObject::tr("top token probability %1").arg(p, 0, 'f', 3));
    return item;
}

}  // namespace

LogitLensView::LogitLensView(QWidget* parent) : QWidget(parent) {
    mPrompt = new QLineEdit(QStringLiteral("Once upon a time, there was a little"), this);
    mPosition = new QSpinBox(this);
    mPosition->setRange(-1, 4096);
    mPosition->setValue(-1);
    mPosition->setSpecialValueText(tr("last token"));
    mPosition->setPrefix(tr("position "));
    mTopK = new QSpinBox(this);
    mTopK->setRange(1, 20);
    mTopK->setValue(5);
    mTopK->setPrefix(tr("top "));
    mShow = new QPushButton(tr("&Show"), this);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Prompt:"), this));
    top->addWidget(mPrompt, 1);
    top->addWidget(mPosition);
    top->addWidget(mTopK);
    top->addWidget(mShow);
    mCaption = new QLabel(tr("The next token as each block's residual stream would predict it."), this);
    mCaption->setWordWrap(true);
    mTable = new QTableWidget(0, 2, this);
    mTable->setHorizontalHeaderLabels({tr("Unpruned"), tr("Pruned by the current plan")});
    mTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    mTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    mTable->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(mCaption);
    layout->addWidget(mTable, 1);
    const auto request = [this] { Q_EMIT lensRequested(mPrompt->text(), mPosition->value(), mTopK->value()); };
    connect(mShow, &QPushButton::clicked, this, request);
    connect(mPrompt, &QLineEdit::returnPressed, this, request);
}

void LogitLensView::setBusy(bool busy) { mShow->setEnabled(!busy); }

void LogitLensView::setLens(const std::optional<LensResult>& lens) {
    mTable->setRowCount(0);
    if (!lens) return;
    const auto rows = static_cast<int>(lens->unpruned.size());
    mTable->setRowCount(rows);
    QStringList labels;
    for (int r = 0; r < rows; ++r) {
        labels << (r == 0 ? tr("embeddings") : tr("block %1").arg(r - 1));
        mTable->setItem(r, 0, readingItem(lens->unpruned[static_cast<std::size_t>(r)]));
        mTable->setItem(r, 1, new QTableWidgetItem(tr("— (removed)")));
    }
    mTable->setVerticalHeaderLabels(labels);
    for (const LensRow& row : lens->pruned) {
        const int r = rowOfBlock(row.sourceBlock);
        if (r < 0 || r >= rows) continue;
        QTableWidgetItem* item = readingItem(row);
        const LensRow& base = lens->unpruned[static_cast<std::size_t>(r)];
        if (!row.pieces.empty() && !base.pieces.empty() && row.pieces.front() != base.pieces.front()) {
            QFont bold = item->font();
            bold.setBold(true);
            item->setFont(bold);  // the top token differs from the unpruned model's
        }
        mTable->setItem(r, 1, item);
    }
    const auto pos = static_cast<std::size_t>(std::max<int64_t>(0, lens->position));
    const QString at = pos < lens->promptPieces.size() ? QString::fromStdString(lens->promptPieces[pos]) : QString();
    mCaption->setText(tr("Next token after prompt token %1 (“%2”), read off each block's output. Bold: "
                         "the pruned model's top token differs from the unpruned one's.")
                          .arg(lens->position)
                          .arg(at.trimmed().toHtmlEscaped()));
}

void LogitLensView::selectBlock(int64_t block) {
    const int r = rowOfBlock(block);
    if (r < 0 || r >= mTable->rowCount()) return;
    mTable->selectRow(r);
    mTable->scrollToItem(mTable->item(r, 0));
}

}  // namespace lamina
