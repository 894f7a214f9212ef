// Sampling the ids of a self-generated calibration set (needs the model: libtorch).
#include <nlohmann/json.hpp>

#include "data/calibration.h"
#include "model/generation.h"
#include "model/model.h"

namespace lamina {

void generateCalibration(CalibrationSet& set, const Model& model, TokenId bos,
                         const ProgressFn& progress) {
    // The set's parameters (written by selfGeneratedSpec) are the single source of truth.
    const auto params = nlohmann::json::parse(set.parameters);
    SamplingOptions options;
    options.temperature = params.at("temperature").get<double>();
    options.topP = params.at("top_p").get<double>();
    options.seed = params.at("seed").get<uint64_t>();
    const auto eos = model.config.eosTokenId;
    setCalibrationIds(set, sampleSequences(model, set.windows.numWindows, set.windows.seqLen, bos,
                                           eos ? std::optional<TokenId>(static_cast<TokenId>(*eos))
                                               : std::nullopt,
                                           options, progress));
}

}  // namespace lamina
