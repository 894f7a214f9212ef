#include "evaluate_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>

namespace lamina {

EvaluateDialog::EvaluateDialog(QWidget* parent)
    : QDialog(parent), mProtocol(new QComboBox(this)),
      mDataDir(new QLineEdit(QSettings().value("eval/dataDir").toString(), this)), mLimit(new QSpinBox(this)),
      mWhich(new QComboBox(this)) {
    setWindowTitle(tr("Evaluate"));
    auto* form = new QFormLayout(this);
    mProtocol->addItems({"finercut", "llm-pruner", "sleb"});
    mDataDir->setPlaceholderText(tr("folder with zeroshot/, wikitext2/, ptb/ …"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    auto* row = new QHBoxLayout;
    row->addWidget(mDataDir, 1);
    row->addWidget(browse);
    mLimit->setRange(0, 1000000);
    mLimit->setValue(200);
    mLimit->setSpecialValueText(tr("all items"));
    mWhich->addItems({tr("the current plan and the unpruned model"), tr("the current plan"), tr("the unpruned model")});
    form->addRow(tr("Protocol:"), mProtocol);
    form->addRow(tr("Data folder:"), row);
    form->addRow(tr("Items per task:"), mLimit);
    form->addRow(tr("Evaluate:"), mWhich);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    form->addRow(buttons);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString d = QFileDialog::getExistingDirectory(this, tr("Evaluation Data Folder"), mDataDir->text());
        if (!d.isEmpty()) mDataDir->setText(d);
    });
    connect(buttons, &QDialogButtonBox::accepted, this, [this] {
        QSettings().setValue("eval/dataDir", mDataDir->text());
        accept();
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

EvalRequest EvaluateDialog::request() const {
    EvalRequest request;
    request.protocol = evalPreset(mProtocol->currentText().toStdString());
    request.dataDir = mDataDir->text().toStdString();
    request.limit = mLimit->value();
    return request;
}

bool EvaluateDialog::withPlan() const { return mWhich->currentIndex() <= 1; }
bool EvaluateDialog::withUnpruned() const { return mWhich->currentIndex() != 1; }

}  // namespace lamina
