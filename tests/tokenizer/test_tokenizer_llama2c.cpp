// llama2.c's tokenizer.bin (stories260K's tok512.bin): loading, run.c-exact encoding checked
// against a literal transcription of run.c's O(n²) loop, decoding, BOS handling.

#include <QtTest/QtTest>
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "fixtures.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
namespace fs = std::filesystem;

namespace {

fs::path tok512() {
    return test::sharedDir() / "models" / "stories260K" / "llama2c" / "tok512.bin";
}

// An independent reading of the file and run.c's encode(), kept deliberately naive.
struct Reference {
    std::vector<std::string> vocab;
    std::vector<float> scores;

    explicit Reference(const fs::path& path, int vocabSize) {
        std::ifstream in(path, std::ios::binary);
        int32_t maxLen = 0;
        in.read(reinterpret_cast<char*>(&maxLen), 4);
        for (int i = 0; i < vocabSize; ++i) {
            float score = 0;
            int32_t len = 0;
            in.read(reinterpret_cast<char*>(&score), 4);
            in.read(reinterpret_cast<char*>(&len), 4);
            std::string piece(static_cast<std::size_t>(len), '\0');
            in.read(piece.data(), len);
            vocab.push_back(piece);
            scores.push_back(score);
        }
    }

    int lookup(const std::string& s) const {
        for (std::size_t i = 0; i < vocab.size(); ++i) {
            if (vocab[i] == s) return int(i);
        }
        return -1;
    }

    std::vector<TokenId> encode(const std::string& text, bool bos) const {
        std::vector<TokenId> tokens;
        if (bos) tokens.push_back(1);
        if (!text.empty()) tokens.push_back(lookup(" "));
        std::string buf;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if ((text[i] & 0xC0) != 0x80) buf.clear();
            buf += text[i];
            if (i + 1 < text.size() && (text[i + 1] & 0xC0) == 0x80 && buf.size() < 4) continue;
            const int id = lookup(buf);
            if (id != -1) {
                tokens.push_back(id);
            } else {
                for (const char c : buf) tokens.push_back(static_cast<unsigned char>(c) + 3);
            }
            buf.clear();
        }
        while (true) {
            float bestScore = -1e10F;
            int bestId = -1;
            int bestIdx = -1;
            for (int i = 0; i + 1 < int(tokens.size()); ++i) {
                const int id = lookup(vocab[tokens[i]] + vocab[tokens[i + 1]]);
                if (id != -1 && scores[id] > bestScore) {
                    bestScore = scores[id];
                    bestId = id;
                    bestIdx = i;
                }
            }
            if (bestIdx == -1) break;
            tokens[bestIdx] = bestId;
            tokens.erase(tokens.begin() + bestIdx + 1);
        }
        return tokens;
    }
};

const char* const kStories[] = {
    "Once upon a time, there was a little girl named Lily.",
    "She loved to play outside in the sunshine. One day, she saw a big, red ball!",
    "\"Can I play too?\" asked Tom. Lily smiled and said, \"Yes!\"\nThey played all day.",
    "Spot the dog ran   fast; he was happy :) 123 4567",
    "naïve café — 日本語 😀",  // bytes outside the vocabulary fall back to <0xNN> pieces
    "a",
};

}  // namespace

class TestTokenizerLlama2c : public QObject {
    Q_OBJECT
    std::unique_ptr<Tokenizer> mTok;

private Q_SLOTS:
    void initTestCase() {
        LAMINA_REQUIRE_SHARED();
        mTok = loadLlama2cTokenizer(tok512(), 512);
    }

    void loads() {
        QCOMPARE(mTok->vocabSize(), int64_t{512});
        QCOMPARE(mTok->bosId(), std::optional<TokenId>(1));
        QCOMPARE(mTok->eosId(), std::optional<TokenId>(2));
        QCOMPARE(mTok->idToToken(0), std::string("<unk>"));
        QCOMPARE(mTok->idToToken(3 + 'A'), std::string("<0x41>"));
        QCOMPARE(mTok->idToToken(512), std::string());
        QVERIFY(mTok->fingerprint().rfind("llama2c-tokenizer:", 0) == 0);
    }

    void matchesRunC_data() {
        QTest::addColumn<QString>("text");
        for (const char* story : kStories) {
            QTest::newRow(story) << QString::fromUtf8(story);
        }
        QTest::newRow("empty") << QString();
    }

    void matchesRunC() {
        QFETCH(QString, text);
        const std::string utf8 = text.toStdString();
        const Reference ref(tok512(), 512);
        QCOMPARE(mTok->encode(utf8, false), ref.encode(utf8, false));
        QCOMPARE(mTok->encode(utf8, true), ref.encode(utf8, true));
    }

    void piecesSpellTheText_data() { matchesRunC_data(); }

    void piecesSpellTheText() {
        QFETCH(QString, text);
        const std::string utf8 = text.toStdString();
        const auto ids = mTok->encode(utf8, false);
        // Concatenated pieces (raw bytes for <0xNN>) are the dummy-prefixed text.
        std::string spelled;
        for (const TokenId id : ids) {
            const std::string piece = mTok->idToToken(id);
            unsigned int byte = 0;
            if (piece.size() == 6 && std::sscanf(piece.c_str(), "<0x%02X>", &byte) == 1) {
                spelled += static_cast<char>(byte);
            } else {
                spelled += piece;
            }
        }
        QCOMPARE(QString::fromStdString(spelled),
                 utf8.empty() ? QString() : QString::fromStdString(" " + utf8));
        QVERIFY(utf8.empty() || mTok->decode(ids) == " " + utf8);
    }

    void roundTripWithBos() {
        const std::string text = kStories[0];
        const auto ids = mTok->encode(text, true);
        QCOMPARE(ids.front(), TokenId{1});
        QCOMPARE(std::count(ids.begin(), ids.end(), TokenId{1}), std::ptrdiff_t{1});
        QVERIFY(ids.size() < text.size() / 2);  // merges happened
        // After BOS the leading space of the first piece goes, as in run.c.
        QCOMPARE(mTok->decode(ids, true), text);
        QCOMPARE(mTok->decode(ids, false), mTok->idToToken(1) + text);
        QCOMPARE(mTok->encode("", true), std::vector<TokenId>{1});
        QVERIFY(mTok->encode("", false).empty());
    }
};

QTEST_GUILESS_MAIN(TestTokenizerLlama2c)
#include "test_tokenizer_llama2c.moc"
