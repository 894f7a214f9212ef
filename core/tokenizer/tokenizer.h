#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lamina {

using TokenId = int32_t;

/// Text ↔ token ids. Implementations: Hugging Face `tokenizer.json` (BPE, SentencePiece-style
/// and byte-level) and llama2.c's `tokenizer.bin`. Instances are immutable and thread-safe.
class Tokenizer {
public:
    virtual ~Tokenizer() = default;

    /// Token ids of `text`. With `addSpecialTokens` the post-processor runs (e.g. Llama 2's BOS),
    /// as `tokenizers`' `encode(text, add_special_tokens=True)` does.
    virtual std::vector<TokenId> encode(std::string_view text, bool addSpecialTokens) const = 0;

    /// Text of `ids`, as `tokenizers`' `decode(ids)` with `skip_special_tokens=False`, unless
    /// `skipSpecialTokens`. Ids outside the vocabulary are skipped.
    virtual std::string decode(const std::vector<TokenId>& ids,
                               bool skipSpecialTokens = false) const = 0;

    /// Number of ids (vocabulary plus added tokens): every id produced is below this.
    virtual int64_t vocabSize() const = 0;

    /// The token's string in the vocabulary (e.g. "▁the", "<0x0A>"), empty if unknown.
    virtual std::string idToToken(TokenId id) const = 0;

    /// Beginning/end-of-sequence ids when the tokenizer defines them.
    virtual std::optional<TokenId> bosId() const = 0;
    virtual std::optional<TokenId> eosId() const = 0;

    /// A short identity string for fingerprints (kind + hash of the defining file).
    virtual std::string fingerprint() const = 0;
};

/// Reads a Hugging Face `tokenizer.json`. `tokenizer_config.json` beside it, when present,
/// supplies the BOS/EOS token names. Throws `Error` naming the file and the JSON field for
/// anything malformed or unsupported (model types other than BPE, unknown normalizers, ...).
std::unique_ptr<Tokenizer> loadHfTokenizer(const std::filesystem::path& tokenizerJson);

/// Reads a llama2.c `tokenizer.bin` (e.g. `tok512.bin`) for a vocabulary of `vocabSize`
/// entries; encoding follows llama2.c's `encode` (score-ordered merges, byte fallback, BOS = 1,
/// EOS = 2). Throws `Error` on a truncated or inconsistent file.
std::unique_ptr<Tokenizer> loadLlama2cTokenizer(const std::filesystem::path& tokenizerBin,
                                                int64_t vocabSize);

}  // namespace lamina
