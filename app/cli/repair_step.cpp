#include "repair_step.h"

#include "common/error.h"
#include "console.h"
#include "eval/perplexity.h"
#include "pruning/apply_plan.h"
#include "pruning/repair.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina::cli {

namespace {

// The held-out text as `ppl --text` windows it would (BOS at the start of the stream).
TokenWindows heldoutWindows(const Model& model, const std::filesystem::path& modelPath, const RepairRequest& r) {
    const auto tokenizer = tokenizerForModel(modelPath, model.config.vocabSize, "");
    return textCalibration(*r.heldout, *tokenizer, r.heldoutSeq, 0, BosPolicy::First).windows;
}

}  // namespace

const std::set<std::string>& repairValueOptions() {
    static const std::set<std::string> options = {"repair", "heldout", "heldout-seq", "repair-windows"};
    return options;
}

RepairRequest parseRepairRequest(const Args& args) {
    RepairRequest r;
    try {
        r.kind = parseRepairKind(args.valueOr("repair", "none"));
    } catch (const Error& e) {
        throw Error(std::string("option --repair: ") + e.what());
    }
    if (const auto h = args.value("heldout")) r.heldout = *h;
    r.heldoutSeq = args.integer("heldout-seq", 256, 2, 1 << 20);
    r.windows = args.integer("repair-windows", 0, 0, 1 << 20);
    if ((r.heldout || r.windows > 0) && r.kind == RepairKind::None) {
        throw Error(std::string("option --") + (r.heldout ? "heldout" : "repair-windows") +
                    " needs --repair linear|rescale");
    }
    return r;
}

nlohmann::json repairPlan(const Model& model, const std::filesystem::path& modelPath, PruningPlan& plan,
                          const CalibrationSet& calibration, const RepairRequest& request) {
    const TokenWindows& w = calibration.windows;
    if (w.numWindows < 1 || w.ids.size() != static_cast<std::size_t>(w.numWindows * w.seqLen)) {
        throw Error("option --repair: no calibration token ids at hand (" + calibration.description +
                    "); pass --calib TEXT");
    }
    const std::optional<TokenWindows> heldout =
        request.heldout ? std::optional(heldoutWindows(model, modelPath, request)) : std::nullopt;
    plan.repair = fitRepair(model, plan, request.kind, calibration.windows, request.batch, consoleProgress("repair"));
    plan.repair.calibration = {{"kind", calibration.kind},
                               {"description", calibration.description},
                               {"fingerprint", calibration.fingerprint}};
    PruningPlan bare = plan;
    bare.repair = {};
    const auto without = applyPlan(model, bare);
    const auto with = applyPlan(model, plan);
    auto ppl = [&](const Model& m, const TokenWindows& w, const char* what) {
        return evaluatePerplexity(m, w, {}, 8, consoleProgress(what)).perplexity;
    };
    nlohmann::json j = {{"kind", repairKindName(request.kind)},
                        {"sites", repairToJson(plan.repair)["sites"]},
                        {"fit", plan.repair.fit},
                        {"calibration_ppl", {{"without", ppl(*without, calibration.windows, "ppl")},
                                             {"with", ppl(*with, calibration.windows, "ppl")}}}};
    if (heldout) {
        j["heldout"] = {{"file", request.heldout->string()}, {"seq", request.heldoutSeq},
                        {"windows", heldout->numWindows}};
        j["heldout_ppl"] = {{"without", ppl(*without, *heldout, "held-out ppl")},
                            {"with", ppl(*with, *heldout, "held-out ppl")}};
    }
    plan.metrics["repair"] = {{"calibration_ppl", j["calibration_ppl"]}};
    if (heldout) plan.metrics["repair"]["heldout_ppl"] = j["heldout_ppl"];
    return j;
}

}  // namespace lamina::cli
