#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

/// Where BOS goes when a token stream is cut into windows.
enum class BosPolicy {
    First,  ///< once, at the start of the stream (so only the first window starts with it)
    Each,   ///< every window starts with BOS followed by T−1 tokens of text
    /// BOS once at the start of the stream, and each window's first token replaced by BOS
    /// (llama.cpp's `llama-perplexity`)
    Replace,
};

BosPolicy parseBosPolicy(const std::string& text);  ///< "first" | "each" | "replace"; throws `Error`
std::string bosPolicyName(BosPolicy policy);

/// N non-overlapping windows of T tokens, stored row-major (GPTQ-style calibration and the
/// perplexity protocols of methods.md).
struct TokenWindows {
    std::vector<TokenId> ids;  ///< numWindows × seqLen
    int64_t numWindows = 0;
    int64_t seqLen = 0;
    int64_t sourceTokens = 0;  ///< tokens the text produced (before windowing)
};

/// Cuts `tokens` (the text tokenized once, without special tokens) into windows of `seqLen`.
/// Trailing tokens that do not fill a window are dropped. `maxWindows` > 0 keeps the first
/// `maxWindows`. Throws `Error` when not even one window fits or seqLen < 2.
TokenWindows makeWindows(const std::vector<TokenId>& tokens, int64_t seqLen, BosPolicy bos,
                         TokenId bosId, int64_t maxWindows = 0);

/// Windows per forward pass when `requested` is 0: ~1024 tokens for taps, and the unablated
/// log-probabilities of a chunk (B·T·V floats) within 128 MB for the removal sweep.
int64_t autoBatchWindows(const TokenWindows& windows, int64_t vocabSize, int64_t requested);

}  // namespace lamina
