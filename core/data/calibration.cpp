#include "data/calibration.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/mapped_file.h"

namespace lamina {

namespace {

constexpr double kTemperature = 1.0;
constexpr double kTopP = 0.95;

}  // namespace

CalibrationSet textCalibration(const std::filesystem::path& file, const Tokenizer& tokenizer,
                               int64_t seqLen, int64_t maxWindows, BosPolicy bos) {
    const std::string text = readTextFile(file, std::size_t{1} << 30);
    const auto bosId = tokenizer.bosId();
    if (!bosId) throw Error("tokenizer defines no BOS token; cannot build windows of " + file.string());
    CalibrationSet set;
    try {
        set.windows = makeWindows(tokenizer.encode(text, false), seqLen, bos, *bosId, maxWindows);
    } catch (const Error& e) {
        throw Error(file.string() + ": " + e.what());
    }
    set.kind = "text";
    set.description = file.string();
    const std::string contentHash = fnv1aHex(text);
    set.parameters = nlohmann::json{{"source", "text"},
                                    {"file", file.filename().string()},
                                    {"content", contentHash},
                                    {"tokenizer", tokenizer.fingerprint()},
                                    {"windows", set.windows.numWindows},
                                    {"seq", seqLen},
                                    {"bos", bosPolicyName(bos)}}
                         .dump();
    set.fingerprint = Fnv1a()
                          .field("text")
                          .field(contentHash)
                          .field(tokenizer.fingerprint())
                          .field(set.windows.numWindows)
                          .field(seqLen)
                          .field(bosPolicyName(bos))
                          .hex();
    return set;
}

CalibrationSet selfGeneratedSpec(const std::string& modelFingerprint, int64_t count,
                                 int64_t seqLen, uint64_t seed) {
    if (count <= 0 || seqLen < 2) {
        throw Error("self-generated calibration needs at least 1 window of 2 tokens");
    }
    CalibrationSet set;
    set.windows.numWindows = count;
    set.windows.seqLen = seqLen;
    set.windows.sourceTokens = count * seqLen;
    set.kind = "self_generated";
    set.description = "self-generated, seed " + std::to_string(seed);
    set.parameters = nlohmann::json{{"source", "self_generated"}, {"model", modelFingerprint},
                                    {"windows", count},           {"seq", seqLen},
                                    {"seed", seed},               {"temperature", kTemperature},
                                    {"top_p", kTopP},             {"eos", "followed by bos"}}
                         .dump();
    set.fingerprint = Fnv1a().field("self_generated").field(set.parameters).hex();
    return set;
}

void setCalibrationIds(CalibrationSet& set, std::vector<TokenId> ids) {
    const int64_t expected = set.windows.numWindows * set.windows.seqLen;
    if (static_cast<int64_t>(ids.size()) != expected) {
        throw Error("calibration '" + set.description + "': " + std::to_string(ids.size()) +
                    " ids, expected " + std::to_string(expected));
    }
    set.windows.ids = std::move(ids);
}

}  // namespace lamina
