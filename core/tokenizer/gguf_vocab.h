#pragma once

// A model's tokenizer as GGUF `tokenizer.ggml.*` metadata, the way llama.cpp reads it.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lamina {

/// llama.cpp's token types (`llama_token_type`).
enum class GgufTokenType : int32_t {
    Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, Byte = 6
};

struct GgufVocab {
    std::string model;                ///< "llama" (SentencePiece-style) | "gpt2" (byte-level BPE) | "no_vocab"
    std::string pre;                  ///< gpt2: llama.cpp's pre-tokenizer name ("llama-bpe", "qwen2", ...)
    std::vector<std::string> tokens;  ///< one per id, padded to the embedding's rows
    std::vector<float> scores;        ///< llama: merge scores
    std::vector<int32_t> types;       ///< GgufTokenType per token
    std::vector<std::string> merges;  ///< gpt2: "left right", by rank
    std::optional<int32_t> bos, eos, unk;
    bool addBos = false;
    bool addEos = false;
};

/// The vocabulary of the tokenizer that belongs to `modelPath` (tokenizer.json in a Hugging
/// Face directory; tokenizer.bin / tok<V>.bin beside a llama2.c file), padded with unused
/// "[PAD<id>]" tokens to `vocabSize`. A model without a tokenizer gets model "no_vocab"
/// (llama.cpp then runs token ids only). Throws `Error` naming the file and field for a
/// tokenizer GGUF cannot express (a model type other than BPE, a vocabulary larger than the
/// embedding).
GgufVocab ggufVocabulary(const std::filesystem::path& modelPath, int64_t vocabSize);

class GgufWriter;
class Tokenizer;

/// Sets the `tokenizer.ggml.*` keys of `v` on `w`.
void writeVocabulary(GgufWriter& w, const GgufVocab& v);

/// The tokenizer a GGUF file carries: a `llama` (SentencePiece-style) vocabulary runs
/// SentencePiece's score-ordered merges with byte fallback (llama2.c's algorithm, as
/// llama.cpp's SPM tokenizer); a `gpt2` one is byte-level BPE (gguf_bpe.h). Throws `Error`
/// naming the file and key for `no_vocab`, unknown pre-tokenizers and malformed vocabularies.
std::unique_ptr<Tokenizer> tokenizerFromGguf(const std::filesystem::path& path);

}  // namespace lamina
