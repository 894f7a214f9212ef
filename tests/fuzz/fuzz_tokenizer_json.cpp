// tokenizer.json: after a successful load, encoding and decoding a fixed text must work and
// every id produced must lie below vocabSize().

#include "fuzz_support.h"
#include "tokenizer/tokenizer.h"

namespace {

const char* const kTexts[] = {
    "Hello, world! It's 2024 - naïve café, 東京, 🦙.\n\tTabs  and   spaces <s></s><unk>",
    "",
    " ",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "\xff\xfe invalid \xc3 UTF-8 \xe2\x82",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = lamina::fuzz::writeInput("tok/tokenizer.json", data, size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto tok = lamina::loadHfTokenizer(path);
        const int64_t vocab = tok->vocabSize();
        FUZZ_CHECK(vocab >= 0);
        for (const char* text : kTexts) {
            for (const bool special : {false, true}) {
                const auto ids = tok->encode(text, special);
                for (const lamina::TokenId id : ids) FUZZ_CHECK(id >= 0 && id < vocab);
                tok->decode(ids, false);
                tok->decode(ids, true);
            }
        }
        std::vector<lamina::TokenId> all;
        for (lamina::TokenId id = -2; id < 300 && id < vocab + 2; ++id) {
            tok->idToToken(id);
            all.push_back(id);
        }
        tok->decode(all, false);
        tok->decode(all, true);
        if (const auto bos = tok->bosId()) FUZZ_CHECK(*bos >= 0 && *bos < vocab);
        if (const auto eos = tok->eosId()) FUZZ_CHECK(*eos >= 0 && *eos < vocab);
        tok->fingerprint();
    });
    return 0;
}
