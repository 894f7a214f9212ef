#pragma once
// What the Compare and Logit-lens views show: plain structs (no libtorch), filled by Workbench.

#include <cstdint>
#include <string>
#include <vector>

namespace lamina {

/// A side-by-side generation: the prompt continued by the unpruned and the pruned model.
struct CompareRequest {
    std::string prompt;
    int64_t newTokens = 48;
    double temperature = 0;  ///< 0: greedy; else sampled with `seed`, the same for both sides
    double topP = 1.0;
    uint64_t seed = 0;
};

/// One side of a comparison, as far as it has got.
struct GeneratedText {
    std::vector<int32_t> tokens;      ///< new tokens, without the prompt
    std::vector<std::string> pieces;  ///< each token's text (incremental decode)
    double tokensPerSecond = 0;       ///< decode speed, 0 until a second token exists
    double firstTokenSeconds = 0;     ///< prompt forward + first token
    bool done = false;
};

struct Comparison {
    GeneratedText unpruned, pruned;
    /// Index of the first new token where the two differ; -1 while they agree.
    int64_t firstDifference() const;
};

/// The logit lens at one prompt position: the top tokens read off each residual stream.
struct LensRow {
    int64_t residual = 0;  ///< after this many blocks of the model (0: embeddings)
    int64_t sourceBlock = -1;  ///< the last block run, as numbered in the unpruned model (-1: none)
    std::vector<std::string> pieces;
    std::vector<double> probabilities;
};

struct LensResult {
    std::vector<std::string> promptPieces;  ///< the prompt's tokens, for choosing a position
    int64_t position = 0;
    std::vector<LensRow> unpruned, pruned;
};

}  // namespace lamina
