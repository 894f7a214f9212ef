#include "pruning/repair.h"

#include <chrono>
#include <cmath>

#include "common/error.h"
#include "data/window_ids.h"
#include "model/forward.h"
#include "pruning/apply_plan.h"

namespace lamina {

namespace {

// The unpruned residual stream after position `through`, as (tokens, d) float64.
at::Tensor unprunedAfter(const Model& model, const at::Tensor& ids, int64_t through) {
    const int64_t layer = through / 2;
    at::Tensor h = runBlocks(model, embedTokens(model, ids), 0, layer);
    Ablation attnOnly = Ablation::none(model.numLayers());
    if (through % 2 == 0) attnOnly.removeMlp(layer);
    h = runBlocks(model, h, layer, layer + 1, attnOnly);
    return h.reshape({-1, h.size(-1)}).to(at::kDouble);
}

struct CarrierOutput {
    at::Tensor out;       ///< M: the carrier's output (tokens, d)
    at::Tensor residual;  ///< Y: the residual stream right after it
};

CarrierOutput carrierOutput(const Model& pruned, const at::Tensor& ids, int64_t carrier) {
    at::Tensor h = embedTokens(pruned, ids);
    auto flat = [](const at::Tensor& t) { return t.reshape({-1, t.size(-1)}).to(at::kDouble); };
    if (carrier < 0) return {flat(h), flat(h)};
    int64_t j = -1;
    for (std::size_t i = 0; i < pruned.sourceLayers.size(); ++i) {
        if (pruned.sourceLayers[i] == carrier / 2) j = static_cast<int64_t>(i);
    }
    if (j < 0) throw Error("repair: block " + std::to_string(carrier / 2) + " is not in the pruned model");
    const bool mlp = carrier % 2 == 1;
    h = runBlocks(pruned, h, 0, j);
    at::Tensor out;
    Taps taps;
    (mlp ? taps.mlpOut : taps.attnOut) = true;
    taps.onTap = [&](const TapPoint& p, const at::Tensor& t) {
        if (p.layer == j) out = t;
    };
    Ablation attnOnly = Ablation::none(pruned.numLayers());
    if (!mlp) attnOnly.removeMlp(j);
    h = runBlocks(pruned, h, j, j + 1, attnOnly, &taps);
    if (!out.defined()) throw Error("repair: " + positionLabel(carrier) + " computes nothing in the pruned model");
    return {flat(out), flat(h)};
}

// Normal equations of one linear site, plus the squared norms that give its error before and
// after the fit without keeping any activation.
struct LinearSums {
    at::Tensor mtm, mtr;  // MᵀM, MᵀR with R = L − Y + M
    double rr = 0, ll = 0;
};

at::Tensor solveLinear(const LinearSums& s, nlohmann::json& info) {
    const int64_t d = s.mtm.size(0);
    at::Tensor t;
    try {
        t = at::linalg_solve(s.mtm, s.mtr);
    } catch (const c10::Error&) {
    }
    if (!t.defined() || !at::isfinite(t).all().item<bool>()) {
        // Fewer independent directions than d (tiny calibration): the smallest ridge that
        // makes the system solvable, recorded in the plan.
        const double ridge = 1e-8 * s.mtm.diagonal().mean().item<double>();
        t = at::linalg_solve(s.mtm + ridge * at::eye(d, s.mtm.options()), s.mtr);
        info["ridge"] = ridge;
    }
    // ‖M·T − R‖² = tr(TᵀMᵀM·T) − 2 tr(TᵀMᵀR) + ‖R‖²; T = I is the unrepaired cut.
    auto error = [&](const at::Tensor& x) {
        return (at::mm(x.t(), at::mm(s.mtm, x)).trace() - 2 * at::mm(x.t(), s.mtr).trace()).item<double>() + s.rr;
    };
    const at::Tensor tf = t.to(at::kFloat).to(at::kDouble);  // what the plan stores
    info["relative_error_before"] = error(at::eye(d, s.mtm.options())) / s.ll;
    info["relative_error_after"] = error(tf) / s.ll;
    return t.to(at::kFloat).contiguous();
}

}  // namespace

PlanRepair fitRepair(const Model& original, const PruningPlan& plan, RepairKind kind,
                     const TokenWindows& calibration, int64_t batchWindows, const ProgressFn& progress) {
    const auto start = std::chrono::steady_clock::now();
    if (calibration.numWindows < 1) throw Error("repair: no calibration windows");
    PruningPlan bare = plan;
    bare.repair = {};
    const std::shared_ptr<const Model> cut = applyPlan(original, bare);
    PlanRepair repair;
    repair.kind = kind;
    repair.hidden = original.config.hiddenSize;
    repair.sites = repairSites(plan.operations, plan.layers);
    if (kind == RepairKind::None) return repair;
    const int64_t d = repair.hidden;
    const at::Tensor ids = windowIds(calibration);
    const int64_t batch = autoBatchWindows(calibration, original.config.vocabSize, batchWindows);
    const int64_t batches = (calibration.numWindows + batch - 1) / batch;
    const int64_t total = std::max<int64_t>(1, static_cast<int64_t>(repair.sites.size()) * batches);
    const bool tied = original.embed.is_same(original.lmHead) || original.config.tieWordEmbeddings;
    const auto f64 = at::TensorOptions().dtype(at::kDouble);
    double gain = 1.0;  // product of the rescale gains so far: the scaling later sublayers undo
    nlohmann::json sites = nlohmann::json::array();
    int64_t done = 0;
    at::NoGradGuard noGrad;
    for (std::size_t k = 0; k < repair.sites.size(); ++k) {
        RepairSite& site = repair.sites[k];
        nlohmann::json info = {{"carrier", positionLabel(site.carrier)}, {"through", positionLabel(site.through)}};
        if (kind == RepairKind::Linear && site.carrier < 0 && tied) {
            site.skipped = "the embedding is tied to the output layer";
            done += batches;
            reportProgress(progress, done, total);
            sites.push_back(info);
            continue;
        }
        Model working = *cut;  // the cuts before this one repaired, as the plan will apply them
        foldRepair(working, repair, static_cast<int64_t>(k));
        LinearSums sums{at::zeros({d, d}, f64), at::zeros({d, d}, f64)};
        double normTarget = 0, normHere = 0;
        for (int64_t b = 0; b < batches; ++b) {
            const at::Tensor slice = ids.slice(0, b * batch, std::min((b + 1) * batch, calibration.numWindows));
            const at::Tensor target = unprunedAfter(original, slice, site.through);
            const CarrierOutput here = carrierOutput(working, slice, site.carrier);
            if (kind == RepairKind::Linear) {
                const at::Tensor r = target - here.residual + here.out;
                sums.mtm += at::mm(here.out.t(), here.out);
                sums.mtr += at::mm(here.out.t(), r);
                sums.rr += r.pow(2).sum().item<double>();
                sums.ll += target.pow(2).sum().item<double>();
            } else {
                normTarget += target.norm(2, {1}).sum().item<double>();
                normHere += here.residual.norm(2, {1}).sum().item<double>();
            }
            reportProgress(progress, ++done, total);
        }
        if (kind == RepairKind::Linear) {
            const at::Tensor t = solveLinear(sums, info);
            site.matrix.assign(t.data_ptr<float>(), t.data_ptr<float>() + d * d);
        } else {
            const double g = normTarget / (gain * normHere);
            if (!(std::isfinite(g) && g > 0)) throw Error("repair: the residual stream after " + positionLabel(site.carrier) + " is zero");
            site.scale = 1.0 / g;
            gain *= g;
            info["gain"] = g;
        }
        sites.push_back(info);
    }
    repair.fit = {{"tokens", calibration.numWindows * calibration.seqLen},
                  {"windows", calibration.numWindows},
                  {"seq", calibration.seqLen},
                  {"dtype", computeDtypeName(computeDtypeOf(original))},
                  {"sites", sites},
                  {"seconds", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()}};
    return repair;
}

}  // namespace lamina
