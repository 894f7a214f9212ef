// Arbitrary text (calibration, evaluation and zero-shot data) through the real Llama 2,
// Llama 3 and Qwen3 tokenizers from ../shared: ids in range, decoding never fails, and
// Llama 3 gives the text back.

#include "fuzz_support.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/utf8.h"

namespace {

std::vector<std::unique_ptr<lamina::Tokenizer>> loadTokenizers() {
    std::vector<std::unique_ptr<lamina::Tokenizer>> out;
    for (const char* name : {"llama2", "llama3", "qwen3"}) {
        const auto path =
            std::filesystem::path(LAMINA_SHARED_DIR) / "tokenizers" / name / "tokenizer.json";
        if (!std::filesystem::exists(path)) {
            std::fprintf(stderr, "fuzz_tokenizer_text: %s is missing\n", path.c_str());
            std::abort();
        }
        out.push_back(lamina::loadHfTokenizer(path));
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const auto tokenizers = loadTokenizers();
    if (size == 0) return 0;
    // The first byte picks the tokenizer and whether special tokens are added.
    const auto& tok = *tokenizers[data[0] % tokenizers.size()];
    const bool special = (data[0] / tokenizers.size()) % 2 != 0;
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto ids = tok.encode(text, special);
        for (const lamina::TokenId id : ids) FUZZ_CHECK(id >= 0 && id < tok.vocabSize());
        const std::string back = tok.decode(ids, false);
        tok.decode(ids, true);
        // Llama 3 (byte-level BPE, no normalizer) is lossless on valid UTF-8.
        if (&tok == tokenizers[1].get() && lamina::utf8::isValid(text)) FUZZ_CHECK(back == text);
    });
    return 0;
}
