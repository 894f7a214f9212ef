// Windowing of a token stream for calibration and perplexity (methods.md: tokenize once,
// BOS at the start, N non-overlapping windows of T tokens).

#include <QtTest/QtTest>
#include <fstream>
#include <numeric>

#include "common/error.h"
#include "data/calibration.h"
#include "data/token_windows.h"
#include "expect_error.h"
#include "tokenizer/tokenizer.h"

using namespace lamina;
using lamina::test::expectError;

namespace {
std::vector<TokenId> iota(int n, int start = 10) {
    std::vector<TokenId> v(static_cast<std::size_t>(n));
    std::iota(v.begin(), v.end(), start);
    return v;
}
}  // namespace

class TestTokenWindows : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // BOS once: the stream is [BOS, 10, 11, ...]; 11 text tokens + BOS = 12 = 3 windows of 4.
    void bosFirst() {
        const TokenWindows w = makeWindows(iota(11), 4, BosPolicy::First, 1);
        QCOMPARE(w.numWindows, 3);
        QCOMPARE(w.ids, (std::vector<TokenId>{1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}));
        QCOMPARE(w.sourceTokens, 11);
    }

    // The tail that does not fill a window is dropped.
    void dropsTail() {
        const TokenWindows w = makeWindows(iota(13), 4, BosPolicy::First, 1);
        QCOMPARE(w.numWindows, 3);
        QCOMPARE(w.ids.back(), 20);
    }

    // BOS each: every window is BOS + 3 text tokens, consecutive and non-overlapping.
    void bosEach() {
        const TokenWindows w = makeWindows(iota(10), 4, BosPolicy::Each, 1);
        QCOMPARE(w.numWindows, 3);
        QCOMPARE(w.ids, (std::vector<TokenId>{1, 10, 11, 12, 1, 13, 14, 15, 1, 16, 17, 18}));
    }

    void maxWindows() {
        const TokenWindows w = makeWindows(iota(100), 8, BosPolicy::First, 1, 2);
        QCOMPARE(w.numWindows, 2);
        QCOMPARE(w.ids.size(), std::size_t{16});
    }

    void tooShort() {
        QVERIFY_THROWS_EXCEPTION(Error, makeWindows(iota(2), 4, BosPolicy::First, 1));
        QVERIFY_THROWS_EXCEPTION(Error, makeWindows({}, 4, BosPolicy::Each, 1));
        QVERIFY_THROWS_EXCEPTION(Error, makeWindows(iota(10), 1, BosPolicy::First, 1));
    }

    void policyNames() {
        QCOMPARE(parseBosPolicy("first"), BosPolicy::First);
        QCOMPARE(parseBosPolicy("each"), BosPolicy::Each);
        QVERIFY_THROWS_EXCEPTION(Error, parseBosPolicy("never"));
    }

    // An empty calibration file: the error names the file (and why), not just "0 tokens".
    void emptyCalibrationFileIsNamed() {
        QTemporaryDir tmp;
        QVERIFY(tmp.isValid());
        const std::filesystem::path dir = tmp.path().toStdString();
        {
            // llama2.c tokenizer.bin: max length, then (score, length, text) per entry.
            std::ofstream bin(dir / "tok.bin", std::ios::binary);
            const int32_t maxLength = 5;
            bin.write(reinterpret_cast<const char*>(&maxLength), 4);
            for (const std::string piece : {"<unk>", "<s>", "</s>", "a"}) {
                const float score = 0;
                const auto length = static_cast<int32_t>(piece.size());
                bin.write(reinterpret_cast<const char*>(&score), 4);
                bin.write(reinterpret_cast<const char*>(&length), 4);
                bin << piece;
            }
        }
        const auto tokenizer = loadLlama2cTokenizer(dir / "tok.bin", 4);
        const std::filesystem::path empty = dir / "calibration.txt";
        std::ofstream(empty).close();
        expectError([&] { textCalibration(empty, *tokenizer, 16, 0, BosPolicy::First); },
                    {empty.string() + ": text has 0 tokens", "too few for one window"});
    }
};

QTEST_APPLESS_MAIN(TestTokenWindows)
#include "test_token_windows.moc"
