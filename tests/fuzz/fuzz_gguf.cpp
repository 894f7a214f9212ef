// A GGUF file (header, typed metadata, tensor directory): every tensor handed out must lie
// inside the file, and reading the config or the tokenizer answers with a lamina::Error at
// worst.

#include "fuzz_support.h"
#include "model/gguf_config.h"
#include "model/gguf_file.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = lamina::fuzz::writeInput("model.gguf", data, size);
    lamina::fuzz::expectOnlyLaminaErrors([&] {
        const auto file = lamina::GgufFile::open(path);
        for (const auto& t : file->tensors()) {
            FUZZ_CHECK(file->tensor(t.name) != nullptr);
            FUZZ_CHECK(t.offset + t.bytes <= file->mapping()->size());
            FUZZ_CHECK(t.bytes == lamina::tensorBytes(t.type, static_cast<uint64_t>(t.numel())));
            if (t.bytes == 0) continue;
            volatile std::byte first = file->data(t)[0];
            volatile std::byte last = file->data(t)[t.bytes - 1];
            (void)first;
            (void)last;
        }
        const lamina::ModelConfig c = lamina::ggufModelConfig(*file);
        lamina::checkGgufTensorsPresent(*file, c);
        const auto tokenizer = lamina::tokenizerFromGguf(path);
        tokenizer->encode("Once upon a time", true);
    });
    return 0;
}
