#include "data/calibration_request.h"

#include "common/error.h"
#include "model/model_summary.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina {

CalibrationSet resolveCalibration(const CalibrationRequest& request,
                                  const std::filesystem::path& modelPath,
                                  const std::string& modelFingerprint) {
    if (request.text.empty()) {
        return selfGeneratedSpec(modelFingerprint, request.windows, request.seqLen, request.seed);
    }
    const int64_t vocab = describeModel(modelPath).config.vocabSize;
    const auto tokenizer = tokenizerForModel(modelPath, vocab, request.tokenizer);
    CalibrationSet set = textCalibration(request.text, *tokenizer, request.seqLen, request.windows,
                                         request.bos);
    if (set.windows.numWindows < request.windows) {
        throw Error(request.text.string() + ": only " + std::to_string(set.windows.numWindows) +
                    " windows of " + std::to_string(request.seqLen) + " tokens, " +
                    std::to_string(request.windows) + " requested");
    }
    return set;
}

}  // namespace lamina
