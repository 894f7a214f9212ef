#include "model/unit.h"

#include "common/error.h"

namespace lamina {

std::string Unit::label() const {
    const char* prefix = kind == Kind::Attn ? "attn." : kind == Kind::Mlp ? "mlp." : "block.";
    return prefix + std::to_string(layer);
}

Unit parseUnit(const std::string& label) {
    const auto dot = label.find('.');
    const std::string kind = label.substr(0, dot);
    Unit u;
    if (kind == "attn") u.kind = Unit::Kind::Attn;
    else if (kind == "mlp") u.kind = Unit::Kind::Mlp;
    else if (kind == "block") u.kind = Unit::Kind::Block;
    else throw Error("unit '" + label + "': expected attn.N, mlp.N or block.N");
    const std::string digits = dot == std::string::npos ? "" : label.substr(dot + 1);
    if (digits.empty() || digits.size() > 6 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
        throw Error("unit '" + label + "': expected attn.N, mlp.N or block.N");
    }
    u.layer = std::stoll(digits);
    return u;
}

std::vector<Unit> sublayerUnits(int64_t numLayers) {
    std::vector<Unit> units;
    for (int64_t i = 0; i < numLayers; ++i) {
        units.push_back({Unit::Kind::Attn, i});
        units.push_back({Unit::Kind::Mlp, i});
    }
    return units;
}

std::vector<Unit> blockUnits(int64_t numLayers) {
    std::vector<Unit> units;
    for (int64_t i = 0; i < numLayers; ++i) units.push_back({Unit::Kind::Block, i});
    return units;
}

std::vector<std::string> unitLabels(const std::vector<Unit>& units) {
    std::vector<std::string> labels;
    labels.reserve(units.size());
    for (const Unit& u : units) labels.push_back(u.label());
    return labels;
}

}  // namespace lamina
