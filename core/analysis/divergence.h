#pragma once

#include <string>

namespace lamina {

/// How a candidate's output is compared with the reference output (FinerCut's scores;
/// ref: arXiv 2405.18218 §3 and methods.md).
enum class Divergence {
    Js,          ///< Jensen–Shannon of next-token distributions, nats, mean over tokens
    JsReleased,  ///< ½[KL(M‖P) + KL(M‖Q)] averaged over tokens × vocabulary (authors' code)
    Kl,          ///< KL(P‖Q), reference P, candidate Q, mean over tokens
    Angular,     ///< arccos(cos)/π of the final-normed hidden states, mean over tokens
    L2,          ///< ‖logits_P − logits_Q‖₂, mean over tokens
};

Divergence parseDivergence(const std::string& name);  ///< js, js_released, kl, angular, l2
std::string divergenceName(Divergence d);

}  // namespace lamina
