#pragma once

// Small hand-written tokenizer files for the unit suites.

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lamina::test {

inline void writeText(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

/// A minimal valid BPE tokenizer.json: characters a, b, c, space-marker ▁ and merges
/// "a b" → ab, "ab c" → abc; no normalizer, pre-tokenizer or decoder.
inline nlohmann::json minimalTokenizerJson() {
    return nlohmann::json::parse(R"({
        "version": "1.0",
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": null,
        "post_processor": null,
        "decoder": null,
        "model": {
            "type": "BPE",
            "vocab": {"<unk>": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "abc": 5},
            "merges": ["a b", "ab c"],
            "unk_token": "<unk>"
        }
    })");
}

struct Llama2cEntry {
    float score;
    std::string piece;
    int32_t claimedLength;
};

/// A llama2.c tokenizer.bin with the given entries (claimedLength is written as the length).
inline void writeLlama2c(const std::filesystem::path& path,
                         const std::vector<Llama2cEntry>& entries, int32_t maxTokenLength = 8) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&maxTokenLength), 4);
    for (const auto& e : entries) {
        out.write(reinterpret_cast<const char*>(&e.score), 4);
        out.write(reinterpret_cast<const char*>(&e.claimedLength), 4);
        out << e.piece;
    }
}

}  // namespace lamina::test
