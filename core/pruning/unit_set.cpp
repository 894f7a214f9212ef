#include "pruning/unit_set.h"

#include "common/name_table.h"

namespace lamina {

namespace {
constexpr NamedValue<UnitSet> kNames[] = {
    {UnitSet::Sublayer, "sublayer"}, {UnitSet::Attn, "attn"}, {UnitSet::Mlp, "mlp"}, {UnitSet::Block, "block"}};
}  // namespace

const char* unitSetName(UnitSet units) { return nameIn(kNames, units); }

UnitSet parseUnitSet(const std::string& name) { return valueIn(kNames, name, "units"); }

std::vector<Unit> candidateUnits(UnitSet units, const ModelConfig& config, int64_t first) {
    std::vector<Unit> out;
    for (int64_t i = first; i < config.numLayers; ++i) {
        const bool attn = config.hasAttention(i), mlp = config.hasMlp(i);
        if ((units == UnitSet::Sublayer || units == UnitSet::Attn) && attn) out.push_back({Unit::Kind::Attn, i});
        if ((units == UnitSet::Sublayer || units == UnitSet::Mlp) && mlp) out.push_back({Unit::Kind::Mlp, i});
        if (units == UnitSet::Block && (attn || mlp)) out.push_back({Unit::Kind::Block, i});
    }
    return out;
}

}  // namespace lamina
