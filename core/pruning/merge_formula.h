#pragma once

#include <string>

namespace lamina {

/// How Sliding Layer Merging fuses a window of blocks (pruning/merge.h, methods.md).
enum class MergeFormula {
    Rdsc,     ///< the paper's (LaCo's Reserving-Differences-while-Seeking-Common)
    Inplace,  ///< the released code's: the top block's projections
    Average,  ///< the mean of the window's projections
};

/// "rdsc" | "inplace" | "average" (`--merge`, plan JSON, cache keys).
const char* mergeFormulaName(MergeFormula formula);
/// Throws `Error` naming the accepted names.
MergeFormula parseMergeFormula(const std::string& name);

}  // namespace lamina
