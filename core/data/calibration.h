#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "common/progress.h"
#include "data/token_windows.h"
#include "tokenizer/tokenizer.h"

namespace lamina {

struct Model;

/// Calibration (or evaluation) data: N windows of T token ids plus their identity.
struct CalibrationSet {
    TokenWindows windows;
    std::string kind;         ///< "text" or "self_generated"
    std::string description;  ///< the file, or "self-generated, seed 0"
    std::string parameters;   ///< canonical JSON of what defines the data
    std::string fingerprint;  ///< 16 hex digits over the data's definition (see below)
};

/// Tokenizes `file` once (no special tokens), then cuts N windows of T (see makeWindows).
/// Fingerprint = hash of the file bytes + tokenizer fingerprint + N, T, BOS policy.
/// `maxWindows` = 0 keeps every window. Throws `Error` for unreadable or too-short text.
CalibrationSet textCalibration(const std::filesystem::path& file, const Tokenizer& tokenizer,
                               int64_t seqLen, int64_t maxWindows, BosPolicy bos);

/// Identity of a data-free calibration set: `count` sequences of `seqLen` tokens sampled from
/// the model from BOS (temperature 1, top-p 0.95, seed `seed`; see sampleSequences). The ids
/// are left empty: fill them with `generateCalibration` or `setCalibrationIds` (from the
/// results store). Fingerprint = hash of the model fingerprint, N, T, seed and the sampling
/// settings.
CalibrationSet selfGeneratedSpec(const std::string& modelFingerprint, int64_t count,
                                 int64_t seqLen, uint64_t seed);

/// Samples the ids of a `selfGeneratedSpec` set. Progress per generated token.
void generateCalibration(CalibrationSet& set, const Model& model, TokenId bos,
                         const ProgressFn& progress = {});

/// Fills `set` with stored ids; throws `Error` when their count is not N × T.
void setCalibrationIds(CalibrationSet& set, std::vector<TokenId> ids);

}  // namespace lamina
