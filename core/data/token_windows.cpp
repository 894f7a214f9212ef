#include "data/token_windows.h"

#include <algorithm>

#include "common/error.h"

namespace lamina {

BosPolicy parseBosPolicy(const std::string& text) {
    if (text == "first") return BosPolicy::First;
    if (text == "each") return BosPolicy::Each;
    if (text == "replace") return BosPolicy::Replace;
    throw Error("--bos: expected 'first', 'each' or 'replace', got '" + text + "'");
}

std::string bosPolicyName(BosPolicy policy) {
    switch (policy) {
        case BosPolicy::First: return "first";
        case BosPolicy::Each: return "each";
        case BosPolicy::Replace: return "replace";
    }
    return "?";
}

TokenWindows makeWindows(const std::vector<TokenId>& tokens, int64_t seqLen, BosPolicy bos,
                         TokenId bosId, int64_t maxWindows) {
    if (seqLen < 2)
        throw Error("sequence length must be at least 2, got " + std::to_string(seqLen));
    TokenWindows w;
    w.seqLen = seqLen;
    w.sourceTokens = static_cast<int64_t>(tokens.size());
    const int64_t n = static_cast<int64_t>(tokens.size());
    // Text tokens consumed per window, and how many windows fit.
    const int64_t perWindow = bos == BosPolicy::Each ? seqLen - 1 : seqLen;
    int64_t count = bos == BosPolicy::Each ? n / perWindow : (n + 1) / seqLen;
    if (maxWindows > 0) count = std::min(count, maxWindows);
    if (count == 0) {
        throw Error("text has " + std::to_string(n) + " tokens: too few for one window of " +
                    std::to_string(seqLen));
    }
    w.numWindows = count;
    w.ids.reserve(static_cast<std::size_t>(count * seqLen));
    if (bos == BosPolicy::Each) {
        for (int64_t i = 0; i < count; ++i) {
            w.ids.push_back(bosId);
            w.ids.insert(w.ids.end(), tokens.begin() + i * perWindow,
                         tokens.begin() + (i + 1) * perWindow);
        }
    } else {
        w.ids.push_back(bosId);
        w.ids.insert(w.ids.end(), tokens.begin(), tokens.begin() + (count * seqLen - 1));
        if (bos == BosPolicy::Replace) {
            for (int64_t i = 0; i < count; ++i) w.ids[static_cast<std::size_t>(i * seqLen)] = bosId;
        }
    }
    return w;
}

int64_t autoBatchWindows(const TokenWindows& w, int64_t vocabSize, int64_t requested) {
    if (requested > 0) return requested;
    const int64_t byTokens = std::max<int64_t>(1, 1024 / w.seqLen);
    const int64_t byLogits = std::max<int64_t>(1, (int64_t{32} << 20) / (w.seqLen * vocabSize));
    return std::clamp<int64_t>(std::min(byTokens, byLogits), 1, w.numWindows);
}

}  // namespace lamina
