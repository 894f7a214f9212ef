// The tokenizer.json components one by one, on the examples of the `tokenizers` docs and
// tests, plus the model options (byte fallback, fuse_unk, ignore_merges) and added tokens.
// (JSON is built with nlohmann initializer lists: moc mis-parses raw string literals.)

#include <QtTest/QtTest>
#include <string>
#include <vector>

#include "common/json_field.h"
#include "tokenizer/decoders.h"
#include "tokenizer/normalizers.h"
#include "tokenizer/pre_tokenizers.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_files.h"

using namespace lamina;
using Json = nlohmann::json;
using Strings = std::vector<std::string>;
using Ids = std::vector<TokenId>;
namespace fs = std::filesystem;

namespace {

const std::string kFile = "test.json";
const std::string kSpace = "\xE2\x96\x81";  // ▁
const std::string kG = "\xC4\xA0";          // Ġ, the byte-level space

Strings preTokenize(const Json& json, const std::string& text) {
    const auto pre = parsePreTokenizer(JsonField(json, kFile, "pre_tokenizer"));
    std::vector<PreToken> pieces{{text, true}};
    pre->preTokenize(pieces);
    Strings out;
    for (const auto& p : pieces) out.push_back(p.text);
    return out;
}

std::string normalize(const Json& json, std::string text) {
    parseNormalizer(JsonField(json, kFile, "normalizer"))->normalize(text);
    return text;
}

Strings decodeChain(const Json& json, Strings tokens) {
    parseDecoder(JsonField(json, kFile, "decoder"))->decodeChain(tokens);
    return tokens;
}

Json split(const Json& pattern, const char* behavior, bool invert = false) {
    return {{"type", "Split"}, {"pattern", pattern}, {"behavior", behavior}, {"invert", invert}};
}

Json stringPattern(const char* text) { return {{"String", text}}; }
Json regexPattern(const char* regex) { return {{"Regex", regex}}; }

// A tokenizer.json whose model knows `vocab` and `merges` and nothing else.
Json withModel(const Json& vocab, const Json& merges) {
    Json j = test::minimalTokenizerJson();
    j["model"]["vocab"] = vocab;
    j["model"]["merges"] = merges;
    j["model"].erase("unk_token");
    return j;
}

}  // namespace

class TestTokenizerComponents : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

    std::unique_ptr<Tokenizer> load(const std::string& name, const Json& json) {
        const fs::path dir = fs::path(mTmp.path().toStdString()) / name;
        fs::create_directories(dir);
        test::writeText(dir / "tokenizer.json", json.dump());
        return loadHfTokenizer(dir / "tokenizer.json");
    }

private Q_SLOTS:
    void splitBehaviours() {
        const std::string text = "the-final--countdown";
        const Json dash = stringPattern("-");
        QCOMPARE(preTokenize(split(dash, "Removed"), text), (Strings{"the", "final", "countdown"}));
        QCOMPARE(preTokenize(split(dash, "Isolated"), text),
                 (Strings{"the", "-", "final", "-", "-", "countdown"}));
        QCOMPARE(preTokenize(split(dash, "MergedWithPrevious"), text),
                 (Strings{"the-", "final-", "-", "countdown"}));
        QCOMPARE(preTokenize(split(dash, "MergedWithNext"), text),
                 (Strings{"the", "-final", "-", "-countdown"}));
        QCOMPARE(preTokenize(split(dash, "Contiguous"), text),
                 (Strings{"the", "-", "final", "--", "countdown"}));
        QCOMPARE(preTokenize(split(dash, "Removed", true), text), (Strings{"-", "-", "-"}));
    }

    void splitRegexLlama3() {
        const Json pattern = regexPattern(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
            "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+");
        QCOMPARE(
            preTokenize(split(pattern, "Isolated"), "I'LL pay 12345 now!!\n\n  ok  "),
            (Strings{"I", "'LL", " pay", " ", "123", "45", " now", "!!\n\n", " ", " ok", "  "}));
    }

    void byteLevel() {
        const Json withPrefix = {
            {"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}};
        QCOMPARE(preTokenize(withPrefix, "Hello world"), (Strings{kG + "Hello", kG + "world"}));
        const Json plain = {{"type", "ByteLevel"}, {"add_prefix_space", false}};
        QCOMPARE(preTokenize(plain, "Hello there       dear"),
                 (Strings{"Hello", kG + "there", kG + kG + kG + kG + kG + kG, kG + "dear"}));
        // use_regex false: bytes mapped, no splitting; é is two bytes → Ã©, \n → Ċ.
        const Json noRegex = {
            {"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}};
        QCOMPARE(preTokenize(noRegex, "a \xC3\xA9\n"),
                 (Strings{"a" + kG + "\xC3\x83\xC2\xA9\xC4\x8A"}));
    }

    void metaspace() {
        const Json always = {{"type", "Metaspace"},
                             {"replacement", kSpace},
                             {"prepend_scheme", "always"},
                             {"split", true}};
        QCOMPARE(preTokenize(always, "Hey friend!"), (Strings{kSpace + "Hey", kSpace + "friend!"}));
        QCOMPARE(preTokenize(always, "Hey   friend!"),
                 (Strings{kSpace + "Hey", kSpace, kSpace, kSpace + "friend!"}));
        const Json never = {{"type", "Metaspace"},
                            {"replacement", kSpace},
                            {"prepend_scheme", "never"},
                            {"split", false}};
        QCOMPARE(preTokenize(never, "Hey friend"), (Strings{"Hey" + kSpace + "friend"}));
        // "first": only a piece starting the original text gets the prefix.
        const Json first = {{"type", "Sequence"},
                            {"pretokenizers",
                             {{{"type", "WhitespaceSplit"}},
                              {{"type", "Metaspace"},
                               {"replacement", kSpace},
                               {"prepend_scheme", "first"},
                               {"split", true}}}}};
        QCOMPARE(preTokenize(first, "Hey friend"), (Strings{kSpace + "Hey", "friend"}));
        QCOMPARE(preTokenize(first, " Hey"), (Strings{"Hey"}));
    }

    void digitsPunctuationWhitespace() {
        QCOMPARE(preTokenize({{"type", "Digits"}, {"individual_digits", true}}, "Call 123 please"),
                 (Strings{"Call ", "1", "2", "3", " please"}));
        QCOMPARE(preTokenize({{"type", "Digits"}, {"individual_digits", false}}, "Call 123 please"),
                 (Strings{"Call ", "123", " please"}));
        QCOMPARE(preTokenize({{"type", "Punctuation"}, {"behavior", "Isolated"}},
                             "Hey friend!     How are you?!?"),
                 (Strings{"Hey friend", "!", "     How are you", "?", "!", "?"}));
        QCOMPARE(preTokenize({{"type", "WhitespaceSplit"}}, "How are you  doing?"),
                 (Strings{"How", "are", "you", "doing?"}));
    }

    void normalizers() {
        const Json llama2 = {
            {"type", "Sequence"},
            {"normalizers",
             {{{"type", "Prepend"}, {"prepend", kSpace}},
              {{"type", "Replace"}, {"pattern", stringPattern(" ")}, {"content", kSpace}}}}};
        QCOMPARE(normalize(llama2, "a b "), kSpace + "a" + kSpace + "b" + kSpace);
        QCOMPARE(normalize({{"type", "Prepend"}, {"prepend", kSpace}}, ""), std::string());
        QCOMPARE(normalize({{"type", "NFC"}}, "e\xCC\x81"), std::string("\xC3\xA9"));
        QCOMPARE(normalize({{"type", "NFD"}}, "\xC3\xA9"), std::string("e\xCC\x81"));
        QCOMPARE(normalize({{"type", "NFKC"}}, "\xEF\xAC\x81"), std::string("fi"));
        QCOMPARE(normalize({{"type", "Lowercase"}},
                           "\xC3\x80"
                           "B\xC4\xB0"),
                 std::string("\xC3\xA0"
                             "bi\xCC\x87"));
        QCOMPARE(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}},
                           " \t a b \n\xE3\x80\x80"),
                 std::string("a b"));
        const Json stripAccents = {
            {"type", "Sequence"}, {"normalizers", {{{"type", "NFD"}}, {{"type", "StripAccents"}}}}};
        QCOMPARE(normalize(stripAccents, "caf\xC3\xA9"), std::string("cafe"));
        QCOMPARE(
            normalize({{"type", "Replace"}, {"pattern", regexPattern("\\s+")}, {"content", " "}},
                      "a \t\n b"),
            std::string("a b"));
    }

    void decoders() {
        QCOMPARE(
            decodeChain({{"type", "ByteFallback"}}, {"<0x61>", "<0x62>", "c", "<0xFF>", "<0x61>"}),
            (Strings{"ab", "c", "\xEF\xBF\xBD", "\xEF\xBF\xBD"}));
        QCOMPARE(decodeChain({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1}},
                             {"  a  ", "b"}),
                 (Strings{" a ", "b"}));
        QCOMPARE(decodeChain(
                     {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "always"}},
                     {kSpace + "Hey", kSpace + "friend!"}),
                 (Strings{"Hey", " friend!"}));
        QCOMPARE(decodeChain({{"type", "ByteLevel"}}, {"Hello", kG + "there", kG, "[PA D]"}),
                 (Strings{"Hello there [PA D]"}));
        // © stands for the lone byte 0xA9, which from_utf8_lossy turns into U+FFFD.
        QCOMPARE(decodeChain({{"type", "ByteLevel"}}, {"\xC2\xA9", "a"}), (Strings{"\xEF\xBF\xBD"
                                                                                   "a"}));
        const Json sequence = {
            {"type", "Sequence"},
            {"decoders",
             {{{"type", "Replace"}, {"pattern", stringPattern(kSpace.c_str())}, {"content", " "}},
              {{"type", "Fuse"}}}}};
        QCOMPARE(decodeChain(sequence, {kSpace + "a", "b", kSpace + "c"}), (Strings{" ab c"}));
    }

    void byteFallbackAndFuseUnk() {
        Json j = test::minimalTokenizerJson();
        j["model"]["byte_fallback"] = true;
        j["model"]["fuse_unk"] = true;
        j["model"]["vocab"]["<0xC3>"] = 6;
        j["model"]["vocab"]["<0xA9>"] = 7;
        QCOMPARE(load("fallback", j)->encode("a\xC3\xA9", false), (Ids{1, 6, 7}));
        // € has no byte tokens: unknown, and consecutive unknowns fuse.
        const std::string euros =
            "\xE2\x82\xAC\xE2\x82\xAC"
            "b";
        QCOMPARE(load("fused", j)->encode(euros, false), (Ids{0, 2}));
        j["model"]["fuse_unk"] = false;
        QCOMPARE(load("unfused", j)->encode(euros, false), (Ids{0, 0, 2}));
    }

    void ignoreMerges() {
        const Json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"ab", 3}, {"bc", 4}, {"abc", 5}};
        Json j = withModel(vocab, Json::array({"b c", "a b"}));
        QCOMPARE(load("merges", j)->encode("abc", false), (Ids{0, 4}));
        j["model"]["ignore_merges"] = true;
        QCOMPARE(load("ignore", j)->encode("abc", false), (Ids{5}));
        // Pair-format merges read the same.
        j = withModel(vocab, Json::array({Json::array({"b", "c"}), Json::array({"a", "b"})}));
        QCOMPARE(load("pairs", j)->encode("abc", false), (Ids{0, 4}));
    }

    void addedTokens() {
        Json j = withModel({{"a", 0}, {"b", 1}, {" ", 2}, {"w", 7}}, Json::array());
        const auto token = [](int id, const char* content, const char* flag) {
            Json t = {{"id", id}, {"content", content}, {"normalized", false}};
            if (flag != nullptr) t[flag] = true;
            return t;
        };
        j["added_tokens"] = {token(3, "<x>", "special"), token(4, "yy", "lstrip"),
                             token(5, "zz", "rstrip"), token(6, "ww", "single_word"),
                             token(8, "<x>>", nullptr)};
        const auto tok = load("added", j);
        QCOMPARE(tok->vocabSize(), int64_t{9});
        QCOMPARE(tok->encode("a<x>b", false), (Ids{0, 3, 1}));
        QCOMPARE(tok->encode("a<x>>b", false), (Ids{0, 8, 1}));  // longest match
        QCOMPARE(tok->encode("a  yyb", false), (Ids{0, 4, 1}));  // lstrip eats the spaces
        QCOMPARE(tok->encode("azz  b", false), (Ids{0, 5, 1}));  // rstrip eats the spaces
        QCOMPARE(tok->encode("a ww b", false), (Ids{0, 2, 6, 2, 1}));
        QCOMPARE(tok->encode("aww b", false), (Ids{0, 7, 7, 2, 1}));  // not a single word
        // No decoder: tokens joined by spaces; only special tokens are skipped.
        QCOMPARE(tok->decode({0, 3, 1, 6}), std::string("a <x> b ww"));
        QCOMPARE(tok->decode({0, 3, 1, 6}, true), std::string("a b ww"));
        QCOMPARE(tok->idToToken(3), std::string("<x>"));
    }

    void normalizedAddedTokens() {
        // A normalized added token is matched after normalization (here: lower-casing).
        Json j = withModel({{"a", 0}, {"b", 1}}, Json::array());
        j["normalizer"] = {{"type", "Lowercase"}};
        j["added_tokens"] = {{{"id", 2}, {"content", "AB"}, {"normalized", true}}};
        QCOMPARE(load("normalized", j)->encode("aAbB", false), (Ids{0, 2, 1}));
    }

    void templateProcessing() {
        Json j = test::minimalTokenizerJson();
        j["model"]["vocab"]["<s>"] = 6;
        j["model"]["vocab"]["</s>"] = 7;
        const auto special = [](const char* name) {
            return Json{{"SpecialToken", {{"id", name}, {"type_id", 0}}}};
        };
        const auto entry = [](const char* name, int id) {
            return Json{{"id", name}, {"ids", Json::array({id})}, {"tokens", Json::array({name})}};
        };
        j["post_processor"] = {
            {"type", "TemplateProcessing"},
            {"single",
             {special("<s>"), {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, special("</s>")}},
            {"special_tokens", {{"<s>", entry("<s>", 6)}, {"</s>", entry("</s>", 7)}}}};
        auto tok = load("template", j);
        QCOMPARE(tok->encode("ab", true), (Ids{6, 4, 7}));
        QCOMPARE(tok->encode("ab", false), (Ids{4}));
        QCOMPARE(tok->bosId(), std::optional<TokenId>(6));  // no tokenizer_config.json here
        j["post_processor"]["single"] = "<s> $A </s>";
        QCOMPARE(load("template_string", j)->encode("ab", true), (Ids{6, 4, 7}));
    }
};

QTEST_GUILESS_MAIN(TestTokenizerComponents)
#include "test_tokenizer_components.moc"
