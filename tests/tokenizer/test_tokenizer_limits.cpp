// Resource limits of the BPE tokenizer on hostile or extreme input: huge merge tables, merge
// chains that make a naive BPE quadratic, a 10^6-character word and 10^6 words. Each case
// must finish in bounded time and memory with the result its construction dictates.
// Limits are 10x or more what was measured on the 2-core development machine (RelWithDebInfo);
// peak-RSS growth is a lower bound of what a case allocates (earlier cases set the peak).

#include <sys/resource.h>

#include <QtTest/QtTest>
#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"
#include "tokenizer_files.h"

using namespace lamina;
using lamina::test::writeText;
namespace fs = std::filesystem;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Peak resident set of this process so far, in MiB.
double peakRssMib() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// A tokenizer over the single character 'a' whose tokens are a^(2^k), k = 0..19, merged by
// "a^(2^k) a^(2^k)" with rank k: BPE of a^n yields the binary digits of n, largest first.
// A BPE that rescans the word for every merge needs n^2/2 steps on it.
nlohmann::json doublingTokenizer(bool splitOnWhitespace) {
    nlohmann::json vocab = nlohmann::json::object();
    nlohmann::json merges = nlohmann::json::array();
    std::string token = "a";
    for (int k = 0; k < 20; ++k) {
        vocab[token] = k;
        if (k + 1 < 20) merges.push_back(token + " " + token);
        token += token;
    }
    nlohmann::json pre = nullptr;
    if (splitOnWhitespace) pre = {{"type", "WhitespaceSplit"}};
    return {{"version", "1.0"},
            {"added_tokens", nlohmann::json::array()},
            {"normalizer", nullptr},
            {"pre_tokenizer", pre},
            {"post_processor", nullptr},
            {"decoder", nullptr},
            {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}}}};
}

}  // namespace

class TestTokenizerLimits : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

    fs::path write(const std::string& name, const nlohmann::json& json) {
        fs::create_directories(fs::path(mTmp.path().toStdString()) / name);
        const fs::path path = fs::path(mTmp.path().toStdString()) / name / "tokenizer.json";
        writeText(path, json.dump());
        return path;
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(mTmp.isValid()); }

    // 10^6 characters without a space: one word of 10^6 symbols, ~10^6 merges.
    void millionCharacterWord() {
        const auto tok = loadHfTokenizer(write("doubling", doublingTokenizer(false)));
        const std::string text(1'000'000, 'a');
        const double rssBefore = peakRssMib();
        const auto start = std::chrono::steady_clock::now();
        const std::vector<TokenId> ids = tok->encode(text, false);
        const double seconds = secondsSince(start);
        const double rssGrowth = peakRssMib() - rssBefore;
        qInfo("10^6-character word: %.3f s, peak RSS +%.1f MiB", seconds, rssGrowth);
        // 1000000 = 2^19 + 2^18 + 2^17 + 2^16 + 2^14 + 2^9 + 2^6.
        QCOMPARE(ids, (std::vector<TokenId>{19, 18, 17, 16, 14, 9, 6}));
        QVERIFY2(seconds < 5.0, qPrintable(QString("took %1 s").arg(seconds)));
        QVERIFY2(rssGrowth < 250.0, qPrintable(QString("peak RSS grew %1 MiB").arg(rssGrowth)));
    }

    // 10^6 words of 4 characters: the word cache and the pre-tokenizer at scale.
    void millionWords() {
        const auto tok = loadHfTokenizer(write("words", doublingTokenizer(true)));
        std::string text;
        text.reserve(5'000'000);
        for (int i = 0; i < 1'000'000; ++i) text += "aaaa ";
        const double rssBefore = peakRssMib();
        const auto start = std::chrono::steady_clock::now();
        const std::vector<TokenId> ids = tok->encode(text, false);
        const double seconds = secondsSince(start);
        const double rssGrowth = peakRssMib() - rssBefore;
        qInfo("10^6 words: %.3f s, peak RSS +%.1f MiB", seconds, rssGrowth);
        QCOMPARE(ids.size(), std::size_t{1'000'000});
        QVERIFY(std::all_of(ids.begin(), ids.end(), [](TokenId id) { return id == 2; }));
        QVERIFY2(seconds < 10.0, qPrintable(QString("took %1 s").arg(seconds)));
        QVERIFY2(rssGrowth < 1000.0, qPrintable(QString("peak RSS grew %1 MiB").arg(rssGrowth)));
    }

    // A merge chain "a b" → ab, "ab b" → abb, ...: every merge extends the same symbol, the
    // worst case for a BPE that rescans the word after each merge.
    void mergeChain() {
        constexpr int kLength = 3000;
        nlohmann::json vocab = {{"a", 0}, {"b", 1}};
        nlohmann::json merges = nlohmann::json::array();
        std::string token = "a";
        for (int k = 1; k <= kLength; ++k) {
            merges.push_back(token + " b");
            token += 'b';
            vocab[token] = k + 1;
        }
        nlohmann::json json = doublingTokenizer(false);
        json["model"]["vocab"] = vocab;
        json["model"]["merges"] = merges;
        const auto tok = loadHfTokenizer(write("chain", json));
        const auto start = std::chrono::steady_clock::now();
        // Words shorter, equal and longer than the chain, 200 times over (no cache: > 256 bytes).
        std::vector<TokenId> ids;
        for (int i = 0; i < 200; ++i) ids = tok->encode(token + "bbb", false);
        const double seconds = secondsSince(start);
        qInfo("merge chain of %d, 200 encodes: %.3f s", kLength, seconds);
        QCOMPARE(ids, (std::vector<TokenId>{kLength + 1, 1, 1, 1}));
        QCOMPARE(tok->encode("abbb", false), (std::vector<TokenId>{4}));
        QVERIFY2(seconds < 1.0, qPrintable(QString("took %1 s").arg(seconds)));
    }

    // 300 000 merges over 600 base characters (each of the first 500 followed by any of the
    // 600): loading stays linear and the table answers every lookup.
    void hugeMergeTable() {
        constexpr int kBase = 600;
        constexpr int kMerges = 300'000;
        std::vector<std::string> chars;
        nlohmann::json vocab = nlohmann::json::object();
        for (int i = 0; i < kBase; ++i) {
            // Code points U+0400.. (Cyrillic and beyond): two UTF-8 bytes each.
            const char32_t cp = 0x400 + static_cast<char32_t>(i);
            std::string c{static_cast<char>(0xC0 | (cp >> 6)),
                          static_cast<char>(0x80 | (cp & 0x3F))};
            vocab[c] = i;
            chars.push_back(c);
        }
        nlohmann::json merges = nlohmann::json::array();
        for (int m = 0; m < kMerges; ++m) {
            const std::string& left = chars[static_cast<std::size_t>(m / kBase)];
            const std::string& right = chars[static_cast<std::size_t>(m % kBase)];
            vocab[left + right] = kBase + m;
            merges.push_back(left + " " + right);
        }
        nlohmann::json json = doublingTokenizer(false);
        json["model"]["vocab"] = vocab;
        json["model"]["merges"] = merges;
        const fs::path path = write("huge", json);
        const double rssBefore = peakRssMib();
        auto start = std::chrono::steady_clock::now();
        const auto tok = loadHfTokenizer(path);
        const double loadSeconds = secondsSince(start);
        const double rssGrowth = peakRssMib() - rssBefore;
        QCOMPARE(tok->vocabSize(), int64_t{kBase + kMerges});
        // Pairs (chars[2i], chars[2i+1]) for i < 250 are merges 2i*600 + 2i+1: 250 ids.
        std::string text;
        std::vector<TokenId> expected;
        for (int i = 0; i < 250; ++i) {
            text +=
                chars[static_cast<std::size_t>(2 * i)] + chars[static_cast<std::size_t>(2 * i + 1)];
            expected.push_back(kBase + 2 * i * kBase + 2 * i + 1);
        }
        start = std::chrono::steady_clock::now();
        QCOMPARE(tok->encode(text, false), expected);
        qInfo("%d merges (%zu-byte file): load %.3f s, peak RSS +%.1f MiB; encode %.4f s", kMerges,
              static_cast<std::size_t>(fs::file_size(path)), loadSeconds, rssGrowth,
              secondsSince(start));
        QVERIFY2(loadSeconds < 10.0, qPrintable(QString("load took %1 s").arg(loadSeconds)));
        QVERIFY2(rssGrowth < 750.0, qPrintable(QString("peak RSS grew %1 MiB").arg(rssGrowth)));
    }
};

QTEST_APPLESS_MAIN(TestTokenizerLimits)
#include "test_tokenizer_limits.moc"
