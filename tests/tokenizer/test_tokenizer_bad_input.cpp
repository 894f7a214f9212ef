// Broken and hostile tokenizer files: each must give lamina::Error naming the file and the
// offending field — never a crash, never a silent success.

#include <QtTest/QtTest>
#include <string>

#include "common/error.h"
#include "expect_error.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_files.h"

using namespace lamina;
using lamina::test::expectError;
using lamina::test::minimalTokenizerJson;
using lamina::test::writeText;
namespace fs = std::filesystem;

namespace {}  // namespace

// JSON snippets live at namespace scope: moc mis-parses raw string literals inside classes.
namespace {

const char* const kMalformedJson = R"({"model": {"type": "BPE", "vocab": {"a": 1,}})";
const char* const kPrecompiledInSequence =
    R"({"type": "Sequence", "normalizers": [{"type": "NFC"}, {"type": "Precompiled"}]})";
const char* const kUnclosedRegexSplit =
    R"({"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"})";
const char* const kSidewaysSplit =
    R"({"type": "Split", "pattern": {"String": " "}, "behavior": "Sideways"})";
const char* const kNegativeAddedToken = R"([{"id": -4, "content": "<x>"}])";
const char* const kTemplateWithoutSpecials = R"({"type": "TemplateProcessing",
    "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
               {"Sequence": {"id": "A", "type_id": 0}}],
    "special_tokens": {}})";
const char* const kSpecialWithId99 = R"({"<s>": {"id": "<s>", "ids": [99], "tokens": ["<s>"]}})";

}  // namespace

class TestTokenizerBadInput : public QObject {
    Q_OBJECT
    QTemporaryDir mTmp;

    fs::path dir() const { return mTmp.path().toStdString(); }

    // Writes `json` as <name>/tokenizer.json and expects loading it to fail mentioning `needles`.
    void expectJsonError(const std::string& name, const nlohmann::json& json,
                         std::initializer_list<std::string> needles) {
        fs::create_directories(dir() / name);
        const fs::path path = dir() / name / "tokenizer.json";
        writeText(path, json.dump());
        expectError([&] { loadHfTokenizer(path); }, needles);
        // Every message names the file.
        expectError([&] { loadHfTokenizer(path); }, {path.string()});
    }

private Q_SLOTS:
    void initTestCase() { QVERIFY(mTmp.isValid()); }

    void minimalFileLoads() {
        fs::create_directories(dir() / "ok");
        const fs::path path = dir() / "ok" / "tokenizer.json";
        writeText(path, minimalTokenizerJson().dump());
        const auto tok = loadHfTokenizer(path);
        QCOMPARE(tok->encode("abcab", false), (std::vector<TokenId>{5, 4}));
        QCOMPARE(tok->encode("abxb", false), (std::vector<TokenId>{4, 0, 2}));
    }

    void missingFile() {
        expectError([&] { loadHfTokenizer(dir() / "nope.json"); }, {"nope.json"});
    }

    void malformedJson() {
        const fs::path path = dir() / "malformed.json";
        writeText(path, kMalformedJson);
        expectError([&] { loadHfTokenizer(path); }, {path.string(), "malformed JSON"});
    }

    void deeplyNestedJson() {
        const fs::path path = dir() / "nested.json";
        writeText(path, std::string(100000, '[') + std::string(100000, ']'));
        expectError([&] { loadHfTokenizer(path); }, {path.string(), "nested"});
    }

    void notAnObject() {
        const fs::path path = dir() / "array.json";
        writeText(path, "[1, 2, 3]");
        expectError([&] { loadHfTokenizer(path); }, {path.string(), "expected an object"});
    }

    void missingModel() {
        auto j = minimalTokenizerJson();
        j.erase("model");
        expectJsonError("missing_model", j, {"field 'model'", "missing"});
    }

    void unsupportedModelType() {
        auto j = minimalTokenizerJson();
        j["model"]["type"] = "WordPiece";
        expectJsonError("wordpiece", j, {"field 'model.type'", "unsupported value 'WordPiece'"});
    }

    void unsupportedPreTokenizer() {
        auto j = minimalTokenizerJson();
        j["pre_tokenizer"] = {{"type", "Whitespace"}};
        expectJsonError("whitespace", j,
                        {"field 'pre_tokenizer.type'", "unsupported value 'Whitespace'"});
    }

    void unsupportedNestedNormalizer() {
        auto j = minimalTokenizerJson();
        j["normalizer"] = nlohmann::json::parse(kPrecompiledInSequence);
        expectJsonError(
            "precompiled", j,
            {"field 'normalizer.normalizers[1].type'", "unsupported value 'Precompiled'"});
    }

    void unsupportedDecoderAndPostProcessor() {
        auto j = minimalTokenizerJson();
        j["decoder"] = {{"type", "WordPiece"}};
        expectJsonError("decoder", j, {"field 'decoder.type'", "'WordPiece'"});
        j = minimalTokenizerJson();
        j["post_processor"] = {{"type", "Magic"}};
        expectJsonError("post", j, {"field 'post_processor.type'", "'Magic'"});
    }

    void badRegex() {
        auto j = minimalTokenizerJson();
        j["pre_tokenizer"] = nlohmann::json::parse(kUnclosedRegexSplit);
        expectJsonError("regex", j, {"field 'pre_tokenizer.pattern.Regex'", "regex"});
    }

    void badSplitBehavior() {
        auto j = minimalTokenizerJson();
        j["pre_tokenizer"] = nlohmann::json::parse(kSidewaysSplit);
        expectJsonError("behavior", j, {"field 'pre_tokenizer.behavior'", "'Sideways'"});
    }

    // tokenizers refuses such files (MergeTokenOutOfVocabulary); so do we.
    void mergeWithUnknownToken() {
        auto j = minimalTokenizerJson();
        j["model"]["merges"] = nlohmann::json::array({"a b", "x y"});
        expectJsonError("merge_unknown", j,
                        {"field 'model.merges[1]'", "'x'", "not in the vocabulary"});
        j["model"]["merges"] = nlohmann::json::array({"b c"});  // "bc" is not in the vocabulary
        expectJsonError("merge_result", j, {"field 'model.merges[0]'", "'bc'"});
        j["model"]["merges"] = nlohmann::json::array({"a b c"});
        expectJsonError("merge_three", j, {"field 'model.merges[0]'"});
        j["model"]["merges"] = nlohmann::json::array({nlohmann::json::array({"a"})});
        expectJsonError("merge_pair", j, {"field 'model.merges[0]'"});
    }

    void vocabIdOutOfRange() {
        auto j = minimalTokenizerJson();
        j["model"]["vocab"]["huge"] = 2000000000;
        expectJsonError("vocab_huge", j, {"field 'model.vocab'", "'huge'"});
        j = minimalTokenizerJson();
        j["model"]["vocab"]["neg"] = -1;
        expectJsonError("vocab_negative", j, {"field 'model.vocab'", "'neg'"});
        j = minimalTokenizerJson();
        j["model"]["vocab"]["str"] = "seven";
        expectJsonError("vocab_string", j, {"field 'model.vocab'", "'str'"});
    }

    void addedTokenIdOutOfRange() {
        auto j = minimalTokenizerJson();
        j["added_tokens"] = nlohmann::json::parse(kNegativeAddedToken);
        expectJsonError("added_negative", j, {"field 'added_tokens[0].id'", "out of range"});
    }

    void templateWithUnknownSpecialToken() {
        auto j = minimalTokenizerJson();
        j["post_processor"] = nlohmann::json::parse(kTemplateWithoutSpecials);
        expectJsonError("template", j, {"field 'post_processor.single'", "'<s>'"});
        j["post_processor"]["special_tokens"] = nlohmann::json::parse(kSpecialWithId99);
        expectJsonError("template_id", j, {"post_processor.special_tokens", "99"});
    }

    void unknownUnkToken() {
        auto j = minimalTokenizerJson();
        j["model"]["unk_token"] = "<missing>";
        expectJsonError("unk", j, {"field 'model.unk_token'", "'<missing>'"});
    }

    void wrongFieldTypes() {
        auto j = minimalTokenizerJson();
        j["model"]["byte_fallback"] = "yes";
        expectJsonError("bool", j, {"field 'model.byte_fallback'", "true or false"});
        j = minimalTokenizerJson();
        j["model"]["merges"] = 5;
        expectJsonError("merges_type", j, {"field 'model.merges'", "array"});
    }

    void malformedTokenizerConfig() {
        fs::create_directories(dir() / "config");
        const fs::path path = dir() / "config" / "tokenizer.json";
        writeText(path, minimalTokenizerJson().dump());
        writeText(dir() / "config" / "tokenizer_config.json", "{\"bos_token\": ");
        expectError([&] { loadHfTokenizer(path); }, {"tokenizer_config.json", "malformed JSON"});
    }

    void llama2cTruncated() {
        const fs::path path = dir() / "truncated.bin";
        test::writeLlama2c(path, {{0.F, "<unk>", 5}, {0.F, "<s>", 3}, {0.F, "</s>", 40}});
        expectError([&] { loadLlama2cTokenizer(path, 3); },
                    {path.string(), "truncated", "entry 2 text"});
        expectError([&] { loadLlama2cTokenizer(path, 10); }, {path.string(), "truncated"});
        writeText(path, "ab");
        expectError([&] { loadLlama2cTokenizer(path, 3); },
                    {path.string(), "truncated", "max_token_length"});
        writeText(path, "");
        expectError([&] { loadLlama2cTokenizer(path, 3); }, {path.string(), "truncated"});
    }

    void llama2cNegativeLength() {
        const fs::path path = dir() / "negative.bin";
        test::writeLlama2c(path, {{0.F, "<unk>", 5}, {0.F, "", -7}, {0.F, "</s>", 4}});
        expectError([&] { loadLlama2cTokenizer(path, 3); },
                    {path.string(), "entry 1 length", "negative"});
        test::writeLlama2c(path, {{0.F, "<unk>", 5}}, -1);
        expectError([&] { loadLlama2cTokenizer(path, 1 + 2); },
                    {path.string(), "max_token_length"});
    }

    void llama2cHugeLengthAndBadVocabSize() {
        const fs::path path = dir() / "huge.bin";
        test::writeLlama2c(path, {{0.F, "<unk>", 2000000000}});
        expectError([&] { loadLlama2cTokenizer(path, 3); }, {path.string(), "truncated"});
        expectError([&] { loadLlama2cTokenizer(path, -1); }, {path.string(), "vocabulary size"});
        expectError([&] { loadLlama2cTokenizer(path, int64_t{1} << 40); },
                    {path.string(), "vocabulary size"});
    }
};

QTEST_GUILESS_MAIN(TestTokenizerBadInput)
#include "test_tokenizer_bad_input.moc"
