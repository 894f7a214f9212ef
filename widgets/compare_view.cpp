#include "widgets/compare_view.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTextBrowser>

namespace lamina {

namespace {

QString escaped(const std::string& text) { return QString::fromStdString(text).toHtmlEscaped(); }

}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    mPrompt = new QLineEdit(QStringLiteral("Once upon a time"), this);
    mPrompt->setPlaceholderText(tr("Prompt"));
    mTokens = new QSpinBox(this);
    mTokens->setRange(1, 1024);
    mTokens->setValue(64);
    mTokens->setSuffix(tr(" tokens"));
    mTokens->setToolTip(tr("New tokens to generate (greedy; generation stops at the end-of-text token)"));
    mGenerate = new QPushButton(tr("&Generate"), this);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Prompt:"), this));
    top->addWidget(mPrompt, 1);
    top->addWidget(mTokens);
    top->addWidget(mGenerate);

    auto* grid = new QGridLayout;
    const QString titles[2] = {tr("<b>Unpruned</b>"), tr("<b>Pruned by the current plan</b>")};
    for (int side = 0; side < 2; ++side) {
        grid->addWidget(new QLabel(titles[side], this), 0, side);
        mSide[side] = new QTextBrowser(this);
        mSide[side]->setOpenLinks(false);
        grid->addWidget(mSide[side], 1, side);
        mSpeed[side] = new QLabel(this);
        grid->addWidget(mSpeed[side], 2, side);
    }
    mVerdict = new QLabel(tr("Type a prompt and press Generate. The right-hand side follows the plan: "
                             "click a layer in the map to see how its removal changes the text."),
                          this);
    mVerdict->setWordWrap(true);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addLayout(grid, 1);
    layout->addWidget(mVerdict);
    const auto request = [this] { Q_EMIT generateRequested(currentRequest()); };
    connect(mGenerate, &QPushButton::clicked, this, request);
    connect(mPrompt, &QLineEdit::returnPressed, this, request);
}

CompareRequest CompareView::currentRequest() const {
    CompareRequest r;
    r.prompt = mPrompt->text().toStdString();
    r.newTokens = mTokens->value();
    return r;
}

void CompareView::setBusy(bool busy) { mGenerate->setText(busy ? tr("&Generating…") : tr("&Generate")); }

QString CompareView::render(const GeneratedText& side, int64_t marked) const {
    QString html = QStringLiteral("<span style='color:#777'>%1</span>").arg(mPrompt->text().toHtmlEscaped());
    for (std::size_t i = 0; i < side.pieces.size(); ++i) {
        const auto n = static_cast<int64_t>(i);
        QString piece = escaped(side.pieces[i]).replace('\n', QStringLiteral("<br>"));
        if (marked >= 0 && n == marked) {
            piece = QStringLiteral("<span style='background:#f4a259;font-weight:bold'>%1</span>").arg(piece);
        } else if (marked >= 0 && n > marked) {
            piece = QStringLiteral("<span style='background:#fbe3c4'>%1</span>").arg(piece);
        }
        html += piece;
    }
    return html;
}

void CompareView::setComparison(const std::optional<Comparison>& comparison) {
    mComparison = comparison;
    mMarked = comparison ? comparison->firstDifference() : -1;
    const GeneratedText* sides[2] = {comparison ? &comparison->unpruned : nullptr,
                                     comparison ? &comparison->pruned : nullptr};
    for (int s = 0; s < 2; ++s) {
        if (sides[s] == nullptr) {
            mSide[s]->clear();
            mSpeed[s]->clear();
            continue;
        }
        mSide[s]->setHtml(render(*sides[s], mMarked));
        const GeneratedText& g = *sides[s];
        mSpeed[s]->setText(g.tokens.empty()
                               ? tr("waiting…")
                               : tr("%1 tokens · first token %2 ms · %3 tokens/s%4")
                                     .arg(g.tokens.size())
                                     .arg(1e3 * g.firstTokenSeconds, 0, 'f', 0)
                                     .arg(g.tokensPerSecond, 0, 'f', 0)
                                     .arg(g.done ? QString() : tr(" …")));
    }
    if (!comparison) return;
    const bool done = comparison->unpruned.done && comparison->pruned.done;
    if (mMarked >= 0) {
        mVerdict->setText(tr("The texts part at new token %1 (marked); after it both sides are highlighted.")
                              .arg(mMarked + 1));
    } else if (done) {
        mVerdict->setText(tr("Both models generate the same %1 tokens.").arg(comparison->pruned.tokens.size()));
    } else {
        mVerdict->setText(tr("Generating…"));
    }
}

QString CompareView::generatedText(int side) const {
    if (!mComparison) return {};
    const GeneratedText& g = side == 0 ? mComparison->unpruned : mComparison->pruned;
    QString text;
    for (const auto& p : g.pieces) text += QString::fromStdString(p);
    return text;
}

}  // namespace lamina
