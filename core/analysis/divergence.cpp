#include "analysis/divergence.h"

#include "common/error.h"

namespace lamina {

Divergence parseDivergence(const std::string& name) {
    if (name == "js") return Divergence::Js;
    if (name == "js_released") return Divergence::JsReleased;
    if (name == "kl") return Divergence::Kl;
    if (name == "angular") return Divergence::Angular;
    if (name == "l2") return Divergence::L2;
    throw Error("divergence '" + name + "': expected js, js_released, kl, angular or l2");
}

std::string divergenceName(Divergence d) {
    switch (d) {
        case Divergence::Js: return "js";
        case Divergence::JsReleased: return "js_released";
        case Divergence::Kl: return "kl";
        case Divergence::Angular: return "angular";
        case Divergence::L2: return "l2";
    }
    return "?";
}

}  // namespace lamina
