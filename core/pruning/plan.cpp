#include "pruning/plan.h"
#include "pruning/plan_identity.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include "common/error.h"
#include "common/text_file.h"
#include "common/json_field.h"
#include "common/mapped_file.h"

namespace lamina {

namespace {

const char* opName(PlanOperation::Op op) {
    switch (op) {
        case PlanOperation::Op::DropAttn: return "drop_attn";
        case PlanOperation::Op::DropMlp: return "drop_mlp";
        case PlanOperation::Op::DropBlock: return "drop_block";
        case PlanOperation::Op::Merge: return "merge";
    }
    return "?";
}

}  // namespace

PlanOperation PlanOperation::drop(const Unit& unit) {
    PlanOperation o;
    o.op = unit.kind == Unit::Kind::Attn  ? Op::DropAttn
           : unit.kind == Unit::Kind::Mlp ? Op::DropMlp
                                          : Op::DropBlock;
    o.layer = unit.layer;
    o.lastLayer = unit.layer;
    return o;
}

PlanOperation PlanOperation::merge(int64_t first, int64_t last, MergeFormula formula) {
    PlanOperation o;
    o.op = Op::Merge;
    o.layer = first;
    o.lastLayer = last;
    o.formula = formula;
    return o;
}

Ablation PruningPlan::dropAblation() const {
    Ablation a = Ablation::none(layers);
    for (const PlanOperation& o : operations) {
        if (o.op == PlanOperation::Op::DropAttn) a.removeAttn(o.layer);
        if (o.op == PlanOperation::Op::DropMlp) a.removeMlp(o.layer);
        if (o.op == PlanOperation::Op::DropBlock) a.removeBlock(o.layer);
    }
    return a;
}

int64_t removedSublayers(const std::vector<PlanOperation>& operations) {
    int64_t n = 0;
    for (const PlanOperation& o : operations) {
        switch (o.op) {
            case PlanOperation::Op::DropAttn:
            case PlanOperation::Op::DropMlp: n += 1; break;
            case PlanOperation::Op::DropBlock: n += 2; break;
            case PlanOperation::Op::Merge: n += 2 * (o.lastLayer - o.layer); break;
        }
    }
    return n;
}

int64_t PruningPlan::removedSublayers() const { return lamina::removedSublayers(operations); }

int64_t PruningPlan::keptBlocks() const {
    std::vector<int> lost(static_cast<std::size_t>(std::max<int64_t>(layers, 0)), 0);  // sublayers
    int64_t merged = 0;
    for (const PlanOperation& o : operations) {
        if (o.isMerge()) {
            merged += o.lastLayer - o.layer;
        } else if (o.layer >= 0 && o.layer < layers) {
            lost[static_cast<std::size_t>(o.layer)] += o.op == PlanOperation::Op::DropBlock ? 2 : 1;
        }
    }
    int64_t kept = layers - merged;
    for (const int n : lost) kept -= n >= 2 ? 1 : 0;
    return kept;
}

nlohmann::json planToJson(const PruningPlan& plan) {
    nlohmann::json ops = nlohmann::json::array();
    for (const PlanOperation& o : plan.operations) {
        if (o.isMerge()) {
            ops.push_back({{"op", "merge"}, {"layers", {o.layer, o.lastLayer}}, {"formula", mergeFormulaName(o.formula)}});
        } else {
            ops.push_back({{"op", opName(o.op)}, {"layer", o.layer}});
        }
    }
    nlohmann::json j = {{"schema", PruningPlan::kSchema},
                        {"model", {{"fingerprint", plan.modelFingerprint}, {"family", plan.family},
                                   {"layers", plan.layers}}},
                        {"method", plan.method},
                        {"calibration", plan.calibration},
                        {"operations", ops},
                        {"metrics", plan.metrics}};
    if (plan.repair.active()) j["repair"] = repairToJson(plan.repair);
    return j;
}

PruningPlan planFromJson(const std::string& text, const std::string& source) {
    const nlohmann::json doc = parseJson(text, source);
    const JsonField root(doc, source);
    root.requireObject();
    const JsonField schema = root["schema"];
    if (schema.integer() < 1 || schema.integer() > PruningPlan::kSchema) {
        schema.fail("plan schema " + std::to_string(schema.integer()) +
                    " is not supported by this Lamina (reads up to " +
                    std::to_string(PruningPlan::kSchema) + ")");
    }
    PruningPlan plan;
    const JsonField model = root["model"];
    plan.modelFingerprint = model["fingerprint"].string();
    plan.family = model.string("family", "");
    plan.layers = model["layers"].positiveInteger();
    if (plan.layers > 4096) model["layers"].fail("implausibly many layers");
    for (const char* key : {"method", "calibration", "metrics"}) {
        if (const auto f = root.optional(key)) {
            f->requireObject();
            (key == std::string("method") ? plan.method
             : key == std::string("calibration") ? plan.calibration
                                                  : plan.metrics) = f->value();
        }
    }
    const JsonField ops = root["operations"];
    std::set<std::pair<int64_t, int>> seen;  // (layer, 0 attn / 1 mlp) already removed or merged
    auto claim = [&](const JsonField& where, int64_t layer, int part) {
        if (!seen.insert({layer, part}).second) {
            where.fail("layer " + std::to_string(layer) + " is removed or merged twice");
        }
    };
    for (std::size_t i = 0; i < ops.arraySize(); ++i) {
        const JsonField entry = ops.at(i);
        entry.requireObject();
        const std::string op = entry["op"].string();
        PlanOperation o;
        auto layerIn = [&](const JsonField& f) {
            const int64_t v = f.integer();
            if (v < 0 || v >= plan.layers) {
                f.fail("layer " + std::to_string(v) + " outside the model's " +
                       std::to_string(plan.layers) + " layers");
            }
            return v;
        };
        if (op == "merge") {
            const JsonField range = entry["layers"];
            if (range.arraySize() != 2) range.fail("expected [first, last]");
            MergeFormula formula = MergeFormula::Rdsc;
            try {
                formula = parseMergeFormula(entry["formula"].string());
            } catch (const Error&) {
                entry["formula"].fail("expected rdsc, inplace or average");
            }
            o = PlanOperation::merge(layerIn(range.at(0)), layerIn(range.at(1)), formula);
            if (o.lastLayer <= o.layer) range.fail("a merge needs first < last");
            for (int64_t l = o.layer; l <= o.lastLayer; ++l) {
                claim(entry, l, 0);
                claim(entry, l, 1);
            }
        } else {
            const JsonField layer = entry["layer"];
            if (op == "drop_attn") o.op = PlanOperation::Op::DropAttn;
            else if (op == "drop_mlp") o.op = PlanOperation::Op::DropMlp;
            else if (op == "drop_block") o.op = PlanOperation::Op::DropBlock;
            else entry["op"].fail("unknown operation '" + op + "' (drop_attn, drop_mlp, drop_block, merge)");
            o.layer = o.lastLayer = layerIn(layer);
            if (o.op != PlanOperation::Op::DropMlp) claim(entry, o.layer, 0);
            if (o.op != PlanOperation::Op::DropAttn) claim(entry, o.layer, 1);
        }
        plan.operations.push_back(o);
    }
    if (const auto repair = root.optional("repair")) {
        plan.repair = repairFromJson(repair->value(), source, plan.operations, plan.layers);
    }
    return plan;
}

PruningPlan readPlan(const std::filesystem::path& path) {
    PruningPlan plan = planFromJson(readTextFile(path, 16u << 20), path.string());
    if (plan.repair.kind == RepairKind::Linear) readRepairWeights(repairWeightsPath(path), plan.repair);
    return plan;
}

void writePlan(const std::filesystem::path& path, const PruningPlan& plan) {
    const std::filesystem::path weights = repairWeightsPath(path);
    if (plan.repair.kind == RepairKind::Linear) {
        writeRepairWeights(weights, plan.repair);
    } else {
        std::error_code ec;  // a matrix file left by an earlier repaired plan of this name
        std::filesystem::remove(weights, ec);
    }
    writeTextFileAtomically(path, planToJson(plan).dump(2) + "\n", "the plan");
}

void checkPlanMatchesModel(const PruningPlan& plan, const std::string& modelFingerprint,
                           const std::string& modelDescription, const std::string& planSource) {
    if (plan.modelFingerprint == modelFingerprint) return;
    throw Error(planSource + ": made for model " + plan.modelFingerprint + " (" + plan.family +
                ", " + std::to_string(plan.layers) + " layers), but " + modelDescription +
                " has fingerprint " + modelFingerprint);
}

}  // namespace lamina

namespace lamina {

nlohmann::json planIdentity(const PruningPlan& plan) {
    nlohmann::json ops = planToJson(plan)["operations"];
    if (!plan.repair.active()) return ops;
    nlohmann::json repair = repairToJson(plan.repair);
    repair.erase("fit");  // timings differ between identical fits
    repair.erase("calibration");
    return {{"operations", ops}, {"repair", repair}};
}

}  // namespace lamina
