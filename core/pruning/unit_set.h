#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"

#include "model/unit.h"

namespace lamina {

/// Which units a method ranks: attention and FFN sublayers, one of the two, or whole blocks.
enum class UnitSet { Sublayer, Attn, Mlp, Block };

/// "sublayer" | "attn" | "mlp" | "block" (`--units`, JSON).
const char* unitSetName(UnitSet units);
/// Throws `Error` naming the accepted names.
UnitSet parseUnitSet(const std::string& name);

/// The units of `units` in blocks [first, numLayers) that `config`'s model has (an
/// already-pruned import lacks some sublayers; removing those would change nothing), depth
/// order (attn.i before mlp.i).
std::vector<Unit> candidateUnits(UnitSet units, const ModelConfig& config, int64_t first = 0);

}  // namespace lamina
