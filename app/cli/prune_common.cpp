#include "prune_common.h"

#include <cmath>
#include <cstdio>

#include "analyze_common.h"
#include "common/error.h"
#include "console.h"
#include "model/device_name.h"

namespace lamina::cli {

namespace {

double positiveOrZero(const Args& args, const std::string& name, double fallback, double lo, double hi) {
    const auto v = args.value(name);
    if (!v) return fallback;
    try {
        std::size_t used = 0;
        const double d = std::stod(*v, &used);
        if (used == v->size() && std::isfinite(d) && d >= lo && d <= hi) return d;
    } catch (const std::exception&) {
    }
    throw Error("option --" + name + ": expected a number in [" + std::to_string(lo) + ", " +
                std::to_string(hi) + "], got '" + *v + "'");
}

// "0.25,0.375": each in [lo, hi].
std::vector<double> numberList(const Args& args, const std::string& name, double lo, double hi) {
    std::vector<double> out;
    const std::string v = *args.value(name);
    std::size_t at = 0;
    while (at <= v.size()) {
        const std::size_t comma = std::min(v.find(',', at), v.size());
        const std::string one = v.substr(at, comma - at);
        try {
            std::size_t used = 0;
            const double d = std::stod(one, &used);
            if (used == one.size() && std::isfinite(d) && d >= lo && d <= hi) {
                out.push_back(d);
                at = comma + 1;
                continue;
            }
        } catch (const std::exception&) {
        }
        throw Error("option --" + name + ": expected numbers in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                    "] separated by commas, got '" + v + "'");
    }
    return out;
}

nlohmann::json stepJson(const TrajectoryStep& s) {
    nlohmann::json j = {{"kind", stepKindName(s.kind)},
                        {"score", std::isfinite(s.score) ? nlohmann::json(s.score) : nlohmann::json()},
                        {"ppl", s.perplexity},
                        {"removed_sublayers", s.removedSublayers},
                        {"removed_params", s.removedParams}};
    if (s.kind == StepKind::Set) {
        j["units"] = unitLabels(s.units);
    } else if (coversRange(s.kind)) {
        j["layers"] = {s.layer, s.lastLayer};
    } else {
        j["layer"] = s.layer;
    }
    return j;
}

}  // namespace

std::optional<std::filesystem::path> resultsPath(const Args& args) {
    if (const auto r = args.value("results")) return std::filesystem::path(*r);
    return std::nullopt;
}

const std::set<std::string>& pruneValueOptions() {
    static const std::set<std::string> options = {
        "method", "calib",   "seq",      "windows",  "bos",       "seed",       "tokenizer",
        "ratio",  "threshold", "steps",  "merge",    "results",   "out",        "divergence",
        "units",  "protect-first", "protect", "lowest", "highest", "batch", "threads", "dtype", "weights",
        "norm-power", "device", "repair", "heldout", "heldout-seq", "repair-windows",
        "generations", "offspring", "search-seed", "first-look", "initial", "fitness"};
    return options;
}

PruneRequest parsePruneRequest(const Args& args) {
    PruneRequest r;
    r.model = args.positional("MODEL");
    r.data = parseCalibrationRequest(args);
    r.compute = computeDtype(args);
    r.weights = weightResidence(args);
    PruneOptions& o = r.options;
    o.method = args.required("method");
    r.device = args.valueOr("device", "cpu");
    if (parseDeviceName(r.device).cuda && !o.method->greedy) {
        std::vector<std::string> greedy;
        for (const MethodTraits* m : pruningMethods()) {
            if (m->greedy) greedy.emplace_back(m->name);
        }
        std::string onDevice;
        for (std::size_t i = 0; i < greedy.size(); ++i) {
            onDevice += (i == 0 ? "" : i + 1 == greedy.size() ? " and " : ", ") + greedy[i];
        }
        throw Error("option --device: only " + onDevice + " run on a device (method '" + o.method.name() +
                    "' runs on the cpu)");
    }
    if (const auto units = args.value("units")) o.units = parseUnitSet(*units);
    o.divergence = parseDivergence(args.valueOr("divergence", "js"));
    o.protectFirst = args.integer("protect-first", 0, 0, 4096);
    if (args.value("protect")) {
        o.protectedBlocks = args.integerList("protect", 0, 1 << 20);
        o.protectedBlocksSet = true;
    }
    o.normPower = static_cast<int>(args.integer("norm-power", 1, 1, 2));
    r.policy.batchWindows = args.integer("batch", 0, 0, 4096);
    o.slm.formula = parseMergeFormula(args.valueOr("merge", "rdsc"));
    o.slm.lowest = args.integer("lowest", 0, 0, 4096);
    o.slm.highest = args.integer("highest", -1, -1, 4096);
    if (args.value("threshold")) {
        r.useThreshold = true;
        o.slm.threshold = positiveOrZero(args, "threshold", 0.72, -1.0, 1.0);
    }
    if (args.value("ratio")) {
        const std::vector<double> ratios = numberList(args, "ratio", 0.0, 1.0);
        r.ratio = ratios.back();
        if (ratios.size() > 1) r.ratios = ratios;
    }
    o.evo.generations = args.integer("generations", 0, 0, 1 << 20);
    o.evo.offspring = args.integer("offspring", o.evo.offspring, 1, 1 << 16);
    o.evo.seed = static_cast<uint64_t>(args.integer("search-seed", 0, 0, int64_t{1} << 62));
    o.evo.firstLookWindows = args.integer("first-look", 0, 0, 1 << 20);
    o.evo.initial = args.integer("initial", o.evo.initial, 0, 1 << 16);
    if (const auto fitness = args.value("fitness")) {
        if (*fitness != "divergence" && *fitness != "nll") {
            throw Error("option --fitness: expected divergence or nll, got '" + *fitness + "'");
        }
        o.evo.nllFitness = *fitness == "nll";
    }
    if (!o.method->searchesSizes) {
        for (const char* name : {"generations", "offspring", "search-seed", "first-look", "initial", "fitness"}) {
            if (args.value(name)) throw Error(std::string("option --") + name + " applies to evo only");
        }
    }
    r.steps = args.integer("steps", 0, 1, 1 << 20);
    checkStoppingRule(r);
    args.required("out");
    return r;
}

void finishPrune(const PruneReport& report, const PruneRequest& request, const Args& args,
                 const nlohmann::json& repair) {
    const std::filesystem::path out = args.required("out");
    writePlan(out, report.plan);
    const Trajectory& t = report.trajectory;
    if (args.flag("json")) {
        nlohmann::json steps = nlohmann::json::array();
        for (const TrajectoryStep& s : t.steps) steps.push_back(stepJson(s));
        nlohmann::json j = {{"model", request.model.string()},
                            {"model_fingerprint", report.modelFingerprint},
                            {"method", t.method},
                            {"parameters", nlohmann::json::parse(t.parameters)},
                            {"score", t.scoreName},
                            {"cumulative", t.cumulative},
                            {"base_ppl", t.basePerplexity},
                            {"steps", steps},
                            {"plan_steps", report.planSteps},
                            {"plan", planToJson(report.plan)},
                            {"plan_file", out.string()},
                            {"calibration", {{"kind", report.calibration.kind},
                                             {"description", report.calibration.description},
                                             {"fingerprint", report.calibration.fingerprint}}},
                            {"cached", !report.computed},
                            {"candidates_abandoned", t.abandonedCandidates},
                            {"ranks", request.policy.group ? request.policy.group->size() : 1},
                   {"seconds", report.seconds}};
        if (request.options.method->searchesSizes) j["candidate_evaluations"] = t.candidateEvaluations;
        if (!repair.is_null()) j["repair"] = repair;
        printJson(j);
        return;
    }
    std::printf("%s on %s: %zu steps (%s), base calibration PPL %.3f\n", t.method.c_str(),
                report.calibration.description.c_str(), t.steps.size(), t.scoreName.c_str(),
                t.basePerplexity);
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        const TrajectoryStep& s = t.steps[i];
        const std::string kind = stepKindName(s.kind);
        std::string members;
        for (const std::string& u : unitLabels(s.units)) members += (members.empty() ? "" : " ") + u;
        const std::string unit = s.kind == StepKind::Set ? kind + " of " + std::to_string(s.units.size())
                                 : coversRange(s.kind)
                                     ? kind + " " + std::to_string(s.layer) + ".." + std::to_string(s.lastLayer)
                                     : kind + "." + std::to_string(s.layer);
        std::printf("%s%3zu  %-14s score %-11.5g ppl %-9.3f removed %lld sublayers\n",
                    i < report.planSteps ? "*" : " ", i + 1, unit.c_str(), s.score, s.perplexity,
                    static_cast<long long>(s.removedSublayers));
        if (!members.empty()) std::printf("      %s\n", members.c_str());
    }
    if (t.candidateEvaluations > 0) std::printf("search       %.1f candidate evaluations (on all calibration windows)\n", t.candidateEvaluations);
    std::printf("plan         %s: %zu operations, calibration PPL %.3f (%s)\n", out.c_str(),
                report.plan.operations.size(),
                report.plan.metrics.value("calibration_ppl", t.basePerplexity),
                report.computed ? "computed" : "answered from the results file");
    if (!repair.is_null()) printRepair(repair);
}

void printRepair(const nlohmann::json& r) {
    std::size_t skipped = 0;
    for (const auto& s : r["sites"]) skipped += s.contains("skipped") ? 1 : 0;
    std::printf("repair       %s: %zu cuts (%zu skipped), fitted on %lld tokens in %.1f s; calibration PPL %.3f -> %.3f",
                r["kind"].get<std::string>().c_str(), r["sites"].size(), skipped,
                static_cast<long long>(r["fit"].value("tokens", int64_t{0})), r["fit"].value("seconds", 0.0),
                r["calibration_ppl"]["without"].get<double>(), r["calibration_ppl"]["with"].get<double>());
    if (r.contains("heldout_ppl")) {
        std::printf("; held-out PPL %.3f -> %.3f", r["heldout_ppl"]["without"].get<double>(),
                    r["heldout_ppl"]["with"].get<double>());
    }
    std::printf("\n");
}



}  // namespace lamina::cli
