#pragma once

#include <memory>
#include <string>

#include "tokenizer/tokenizer.h"

namespace lamina {

class GgufFile;

/// The byte-level BPE tokenizer of a GGUF file whose `tokenizer.ggml.model` is `gpt2`: its
/// tokens, merges and special ids, with the split regex named by `tokenizer.ggml.pre`
/// (`llama-bpe`: Llama 3; `qwen2`: Qwen2/Qwen3), run by the tokenizer.json pipeline. Throws
/// `Error` naming the file and key for other pre-tokenizers and malformed vocabularies.
std::unique_ptr<Tokenizer> bpeTokenizerFromGguf(const GgufFile& file);

}  // namespace lamina
