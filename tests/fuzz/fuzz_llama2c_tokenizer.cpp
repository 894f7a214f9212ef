// llama2.c tokenizer.bin: the first 4 input bytes choose the vocabulary size the model
// claims, the rest is the file. Encoding a fixed text must give ids in range.

#include <cstring>

#include "fuzz_support.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 4) return 0;
    uint32_t raw = 0;
    std::memcpy(&raw, data, 4);
    const int64_t vocabSize = static_cast<int64_t>(raw % 4096) - 4;  // a few invalid ones too
    const auto path = lamina::fuzz::writeInput("tokenizer.bin", data + 4, size - 4);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto tok = lamina::loadLlama2cTokenizer(path, vocabSize);
        FUZZ_CHECK(tok->vocabSize() == vocabSize);
        for (const char* text : {"Once upon a time, there was a little girl named Lily.", "",
                                 " \n\xff\xfe\xc3 caf\xc3\xa9 \xf0\x9f\xa6\x99"}) {
            const auto ids = tok->encode(text, true);
            for (const lamina::TokenId id : ids) FUZZ_CHECK(id >= 0 && id < vocabSize);
            tok->decode(ids, false);
        }
        tok->decode({-1, 0, 1, 2, 3, static_cast<lamina::TokenId>(vocabSize)}, false);
    });
    return 0;
}
