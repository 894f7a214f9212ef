// Exact parity with Hugging Face `tokenizers` 0.23 on ../shared/golden/tokenizers.json:
// encode without and with special tokens, and decode, for Llama 2, Llama 3 and Qwen3.

#include <QtTest/QtTest>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/mapped_file.h"
#include "fixtures.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;

namespace {

QString idsToString(const std::vector<TokenId>& ids) {
    QStringList parts;
    for (const TokenId id : ids) parts << QString::number(id);
    return parts.join(' ');
}

QString idsToString(const nlohmann::json& ids) {
    return idsToString(ids.get<std::vector<TokenId>>());
}

}  // namespace

class TestTokenizerGolden : public QObject {
    Q_OBJECT
    nlohmann::json mGolden;
    std::map<std::string, std::unique_ptr<Tokenizer>> mTokenizers;

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        const auto dir = test::sharedDir();
        mGolden = nlohmann::json::parse(readTextFile(dir / "golden" / "tokenizers.json"));
        for (const auto& [name, entry] : mGolden.at("tokenizers").items()) {
            mTokenizers[name] = loadHfTokenizer(dir / entry.at("file").get<std::string>());
        }
        QCOMPARE(mTokenizers.size(), std::size_t{3});
    }

    void golden_data() {
        QTest::addColumn<QString>("tokenizer");
        QTest::addColumn<int>("index");
        if (!test::haveShared()) {
            QTest::newRow("no shared fixtures") << QString() << -1;
            return;
        }
        const auto golden =
            nlohmann::json::parse(readTextFile(test::sharedDir() / "golden" / "tokenizers.json"));
        for (const auto& [name, entry] : golden.at("tokenizers").items()) {
            const auto& cases = entry.at("cases");
            for (std::size_t i = 0; i < cases.size(); ++i) {
                QString text = QString::fromStdString(cases[i].at("text").get<std::string>());
                text = text.left(32).replace('\n', "\\n");
                const QString row = QStringLiteral("%1 #%2 %3")
                                        .arg(QString::fromStdString(name))
                                        .arg(i, 2, 10, QChar('0'))
                                        .arg(text);
                QTest::newRow(qPrintable(row)) << QString::fromStdString(name) << int(i);
            }
        }
    }

    void golden() {
        QFETCH(QString, tokenizer);
        QFETCH(int, index);
        const std::string name = tokenizer.toStdString();
        const Tokenizer& tok = *mTokenizers.at(name);
        const auto& c = mGolden.at("tokenizers").at(name).at("cases").at(std::size_t(index));
        const std::string text = c.at("text");
        QCOMPARE(idsToString(tok.encode(text, false)), idsToString(c.at("ids")));
        QCOMPARE(idsToString(tok.encode(text, true)), idsToString(c.at("ids_with_special")));
        const std::string decoded = tok.decode(c.at("ids").get<std::vector<TokenId>>());
        QCOMPARE(QString::fromStdString(decoded),
                 QString::fromStdString(c.at("decoded").get<std::string>()));
        QVERIFY(decoded == c.at("decoded").get<std::string>());  // byte-exact, not just QString
    }
};

QTEST_GUILESS_MAIN(TestTokenizerGolden)
#include "test_tokenizer_golden.moc"
