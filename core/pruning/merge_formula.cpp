#include "pruning/merge_formula.h"

#include "common/name_table.h"

namespace lamina {

namespace {
constexpr NamedValue<MergeFormula> kNames[] = {
    {MergeFormula::Rdsc, "rdsc"}, {MergeFormula::Inplace, "inplace"}, {MergeFormula::Average, "average"}};
}  // namespace

const char* mergeFormulaName(MergeFormula formula) { return nameIn(kNames, formula); }

MergeFormula parseMergeFormula(const std::string& name) { return valueIn(kNames, name, "merge formula"); }

}  // namespace lamina
