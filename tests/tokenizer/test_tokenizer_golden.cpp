// Exact parity with Hugging Face `tokenizers` 0.23 on ../shared/golden/tokenizers.json:
// encode without and with special tokens, and decode, for Llama 2, Llama 3 and Qwen3.

#include <QtTest/QtTest>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/json_field.h"
#include "common/mapped_file.h"
#include "model/gguf_writer.h"
#include "fixtures.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/normalizers.h"
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

    // A byte-level vocabulary written to GGUF (tokenizer.ggml.model gpt2, as llama.cpp reads it)
    // and read back encodes like `tokenizers`. GGUF carries no normalizer, so Qwen3's cases
    // that NFC changes are left out (llama.cpp does not normalise either).
    void ggufByteLevelVocabularies() {
        LAMINA_REQUIRE_SHARED();
        QTemporaryDir tmp;
        const nlohmann::json nfcSpec = {{"type", "NFC"}};
        const auto nfc = parseNormalizer(JsonField(nfcSpec, "nfc", ""));
        for (const char* name : {"llama3", "qwen3"}) {
            const auto& entry = mGolden.at("tokenizers").at(name);
            const std::filesystem::path json = test::sharedDir() / entry.at("file").get<std::string>();
            const std::filesystem::path dir = std::filesystem::path(tmp.path().toStdString()) / name;
            std::filesystem::create_directories(dir);
            for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) {
                if (std::filesystem::exists(json.parent_path() / f)) std::filesystem::copy_file(json.parent_path() / f, dir / f);
            }
            const GgufVocab vocab = ggufVocabulary(dir, mTokenizers.at(name)->vocabSize());
            QCOMPARE(vocab.model, std::string("gpt2"));
            GgufWriter writer;
            writer.set("general.architecture", std::string("llama"));
            writeVocabulary(writer, vocab);
            const std::filesystem::path file = dir / "vocab.gguf";
            writer.write(file);
            const auto tok = tokenizerFromGguf(file);
            int compared = 0;
            for (const auto& c : entry.at("cases")) {
                const std::string text = c.at("text");
                std::string normalized = text;
                nfc->normalize(normalized);
                if (std::string(name) == "qwen3" && normalized != text) continue;
                QCOMPARE(idsToString(tok->encode(text, false)), idsToString(c.at("ids")));
                QCOMPARE(idsToString(tok->encode(text, true)), idsToString(c.at("ids_with_special")));
                QCOMPARE(tok->decode(c.at("ids").get<std::vector<TokenId>>()), c.at("decoded").get<std::string>());
                ++compared;
            }
            QVERIFY2(compared >= 10, name);
            QCOMPARE(tok->bosId(), mTokenizers.at(name)->bosId());
            QCOMPARE(tok->eosId(), mTokenizers.at(name)->eosId());
        }
    }
};

QTEST_GUILESS_MAIN(TestTokenizerGolden)
#include "test_tokenizer_golden.moc"
