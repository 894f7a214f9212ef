// Training-free repair (pruning/repair.h): the cuts a plan makes, the least-squares map
// against a direct float64 solve of activations gathered by full forward passes, the rescale
// gain against norms measured the same way, determinism, the plan file with its matrices, and
// an exported repaired checkpoint against the in-memory model.
#include <QtTest/QtTest>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "expect_error.h"
#include "fixtures.h"
#include "model/forward.h"
#include "model/model.h"
#include "pruning/apply_plan.h"
#include "pruning/export.h"
#include "pruning/plan_identity.h"
#include "pruning/repair.h"
#include "tiny_model.h"

using namespace lamina;
namespace fs = std::filesystem;

namespace {

PlanOperation dropBlock(int64_t l) { return PlanOperation::drop({Unit::Kind::Block, l}); }
PlanOperation dropAttn(int64_t l) { return PlanOperation::drop({Unit::Kind::Attn, l}); }
PlanOperation dropMlp(int64_t l) { return PlanOperation::drop({Unit::Kind::Mlp, l}); }

PruningPlan planOf(const Model& m, std::vector<PlanOperation> ops) {
    PruningPlan p;
    p.modelFingerprint = "test";
    p.family = "llama";
    p.layers = m.numLayers();
    p.operations = std::move(ops);
    return p;
}

// Every residual stream and sublayer output of a full forward pass, keyed by site and layer.
struct Streams {
    std::map<std::pair<int, int64_t>, at::Tensor> t;
    at::Tensor get(TapSite s, int64_t layer) const {
        return t.at({static_cast<int>(s), layer}).reshape({-1, t.begin()->second.size(-1)}).to(at::kDouble);
    }
};

Streams streamsOf(const Model& m, const at::Tensor& ids) {
    Streams s;
    Taps taps;
    taps.residual = taps.attnOut = taps.mlpOut = true;
    taps.onTap = [&](const TapPoint& p, const at::Tensor& x) { s.t[{static_cast<int>(p.site), p.layer}] = x.clone(); };
    forwardLogits(m, ids, {}, &taps);
    return s;
}

at::Tensor matrixOf(const RepairSite& s, int64_t d) {
    return at::from_blob(const_cast<float*>(s.matrix.data()), {d, d}, at::kFloat).to(at::kDouble);
}

double maxRelDiff(const at::Tensor& a, const at::Tensor& b) {
    return ((a - b).abs().max() / b.abs().max()).item<double>();
}

at::Tensor idsOf(const TokenWindows& w) {
    return at::from_blob(const_cast<int32_t*>(w.ids.data()), {w.numWindows, w.seqLen}, at::kInt).to(at::kLong);
}

}  // namespace

class TestRepair : public QObject {
    Q_OBJECT

    fs::path mDir;
    std::shared_ptr<const Model> mUntied, mTied;
    TokenWindows mWindows;

private Q_SLOTS:
    void initTestCase() {
        mDir = fs::temp_directory_path() / ("lamina-test-repair-" + std::to_string(::getpid()));
        fs::remove_all(mDir);
        test::TinySpec spec;
        spec.layers = 5;
        spec.tied = false;
        test::writeTinyModel(mDir / "untied", spec);
        spec.tied = true;
        test::writeTinyModel(mDir / "tied", spec);
        mUntied = loadModel(mDir / "untied");
        mTied = loadModel(mDir / "tied");
        at::manual_seed(3);
        mWindows = test::randomWindows(6, 24, spec.vocab);  // 144 tokens ≫ d = 16
    }

    void cleanupTestCase() { fs::remove_all(mDir); }

    // Worked out by hand from the plan (positions: attn.i = 2i, mlp.i = 2i + 1).
    void sitesOfOperations() {
        auto sites = [](std::vector<PlanOperation> ops) {
            std::vector<std::pair<std::string, std::string>> out;
            for (const RepairSite& s : repairSites(ops, 6)) out.emplace_back(positionLabel(s.carrier), positionLabel(s.through));
            return out;
        };
        using P = std::vector<std::pair<std::string, std::string>>;
        QCOMPARE(sites({}), P{});
        QCOMPARE(sites({dropBlock(2), dropBlock(3)}), (P{{"mlp.1", "mlp.3"}}));
        QCOMPARE(sites({dropAttn(0)}), (P{{"embed", "attn.0"}}));
        QCOMPARE(sites({dropMlp(5)}), (P{{"attn.5", "mlp.5"}}));
        QCOMPARE(sites({dropAttn(4), dropBlock(1)}), (P{{"mlp.0", "mlp.1"}, {"mlp.3", "attn.4"}}));
        QCOMPARE(sites({PlanOperation::merge(1, 3, MergeFormula::Rdsc)}), (P{{"mlp.1", "mlp.3"}}));
        QCOMPARE(sites({PlanOperation::merge(1, 3, MergeFormula::Rdsc), dropBlock(4)}), (P{{"mlp.1", "mlp.4"}}));
        QCOMPARE(sites({dropMlp(2), dropAttn(3)}), (P{{"attn.2", "attn.3"}}));
    }

    // Two cuts: block 1 (carrier mlp.0, target h_2) and attention 3 (carrier mlp.2, target
    // h_3 + attn_3, fitted after the first cut's map is folded in).
    void linearMatchesDirectSolve() {
        const Model& m = *mUntied;
        const PruningPlan plan = planOf(m, {dropBlock(1), dropAttn(3)});
        const PlanRepair r = fitRepair(m, plan, RepairKind::Linear, mWindows, 2);
        QCOMPARE(r.sites.size(), std::size_t{2});
        const int64_t d = m.config.hiddenSize;
        const at::Tensor ids = idsOf(mWindows);
        const Streams full = streamsOf(m, ids);
        // Pruned blocks: 0 (orig 0), 1 (orig 2), 2 (orig 3, no attention), 3 (orig 4).
        Model cut = *applyPlan(m, plan);
        Streams pruned = streamsOf(cut, ids);
        {
            const at::Tensor M = pruned.get(TapSite::MlpOut, 0), Y = pruned.get(TapSite::Residual, 1);
            const at::Tensor R = full.get(TapSite::Residual, 2) - Y + M;
            const at::Tensor direct = std::get<0>(at::linalg_lstsq(M, R));
            QVERIFY2(maxRelDiff(matrixOf(r.sites[0], d), direct) < 1e-5, "site 0");
        }
        at::Tensor& down = cut.blocks[0].mlp.down;
        down = at::mm(matrixOf(r.sites[0], d).t(), down.to(at::kDouble)).to(down.scalar_type());
        pruned = streamsOf(cut, ids);
        {
            const at::Tensor M = pruned.get(TapSite::MlpOut, 1), Y = pruned.get(TapSite::Residual, 2);
            const at::Tensor L = full.get(TapSite::Residual, 3) + full.get(TapSite::AttnOut, 3);
            const at::Tensor direct = std::get<0>(at::linalg_lstsq(M, L - Y + M));
            QVERIFY2(maxRelDiff(matrixOf(r.sites[1], d), direct) < 1e-5, "site 1");
        }
        // The reported errors are those of the folded model, measured directly.
        Model repaired = *applyPlan(m, [&] { PruningPlan p = plan; p.repair = r; return p; }());
        const Streams after = streamsOf(repaired, ids);
        const at::Tensor L0 = full.get(TapSite::Residual, 2);
        const double err0 = (after.get(TapSite::Residual, 1) - L0).pow(2).sum().item<double>() / L0.pow(2).sum().item<double>();
        const double reported = r.fit["sites"][0]["relative_error_after"].get<double>();
        QVERIFY2(std::abs(err0 - reported) < 1e-5 * std::max(1.0, reported), qPrintable(QString("%1 vs %2").arg(err0).arg(reported)));
        QVERIFY(reported < r.fit["sites"][0]["relative_error_before"].get<double>());
    }

    void embeddingCarrier() {
        const PruningPlan untied = planOf(*mUntied, {dropAttn(0)});
        const PlanRepair r = fitRepair(*mUntied, untied, RepairKind::Linear, mWindows);
        QCOMPARE(r.sites.size(), std::size_t{1});
        QVERIFY(r.sites[0].skipped.empty());
        const int64_t d = mUntied->config.hiddenSize;
        const Streams full = streamsOf(*mUntied, idsOf(mWindows));
        const at::Tensor h0 = full.get(TapSite::Residual, 0);
        const at::Tensor direct = std::get<0>(at::linalg_lstsq(h0, h0 + full.get(TapSite::AttnOut, 0)));
        QVERIFY(maxRelDiff(matrixOf(r.sites[0], d), direct) < 1e-5);
        PruningPlan withRepair = untied;
        withRepair.repair = r;
        QVERIFY(!applyPlan(*mUntied, withRepair)->embed.is_same(mUntied->embed));

        const PlanRepair tied = fitRepair(*mTied, planOf(*mTied, {dropAttn(0)}), RepairKind::Linear, mWindows);
        QVERIFY(tied.sites[0].skipped.find("tied") != std::string::npos);
        QVERIFY(tied.sites[0].matrix.empty());
    }

    void rescaleMatchesNormRatio() {
        const Model& m = *mUntied;
        const PruningPlan plan = planOf(m, {dropBlock(2)});
        const PlanRepair r = fitRepair(m, plan, RepairKind::Rescale, mWindows, 4);
        const Streams full = streamsOf(m, idsOf(mWindows));
        const Streams pruned = streamsOf(*applyPlan(m, plan), idsOf(mWindows));
        const double g = full.get(TapSite::Residual, 3).norm(2, {1}).sum().item<double>() /
                         pruned.get(TapSite::Residual, 2).norm(2, {1}).sum().item<double>();
        QVERIFY(std::abs(r.sites[0].scale * g - 1) < 1e-9);
        PruningPlan p = plan;
        p.repair = r;
        const auto repaired = applyPlan(m, p);
        // Blocks 0 and 1 untouched; blocks 3 and 4 (pruned 2, 3) scaled in both outputs.
        QVERIFY(repaired->blocks[1].mlp.down.is_same(m.blocks[1].mlp.down));
        for (int64_t j : {2, 3}) {
            const auto& src = m.blocks[static_cast<std::size_t>(j + 1)];
            QVERIFY(at::allclose(repaired->blocks[static_cast<std::size_t>(j)].attn.wo, src.attn.wo * r.sites[0].scale, 1e-6, 1e-7));
            QVERIFY(at::allclose(repaired->blocks[static_cast<std::size_t>(j)].mlp.down, src.mlp.down * r.sites[0].scale, 1e-6, 1e-7));
        }
    }

    void sameBitsTwice() {
        const PruningPlan plan = planOf(*mUntied, {dropBlock(1), dropMlp(3)});
        for (RepairKind kind : {RepairKind::Linear, RepairKind::Rescale}) {
            const PlanRepair a = fitRepair(*mUntied, plan, kind, mWindows, 2);
            const PlanRepair b = fitRepair(*mUntied, plan, kind, mWindows, 2);
            QCOMPARE(a.sites.size(), b.sites.size());
            for (std::size_t i = 0; i < a.sites.size(); ++i) {
                QCOMPARE(a.sites[i].matrix.size(), b.sites[i].matrix.size());
                QVERIFY(std::memcmp(a.sites[i].matrix.data(), b.sites[i].matrix.data(), a.sites[i].matrix.size() * sizeof(float)) == 0);
                QCOMPARE(a.sites[i].scale, b.sites[i].scale);
            }
        }
    }

    void planFileKeepsMatrices() {
        PruningPlan plan = planOf(*mUntied, {dropBlock(1), dropAttn(3)});
        plan.repair = fitRepair(*mUntied, plan, RepairKind::Linear, mWindows);
        const fs::path file = mDir / "plan.json";
        writePlan(file, plan);
        QVERIFY(fs::exists(repairWeightsPath(file)));
        const PruningPlan back = readPlan(file);
        QCOMPARE(back.repair.kind, RepairKind::Linear);
        QCOMPARE(back.repair.sites.size(), plan.repair.sites.size());
        for (std::size_t i = 0; i < back.repair.sites.size(); ++i) {
            QVERIFY(back.repair.sites[i].matrix == plan.repair.sites[i].matrix);
        }
        // A matrix file from another fit is refused, naming the file.
        PruningPlan other = plan;
        other.repair.sites[0].matrix[5] += 1.0f;
        writeRepairWeights(repairWeightsPath(file), other.repair);
        test::expectError([&] { readPlan(file); }, {repairWeightsPath(file).string(), "weights_fingerprint"});
        fs::remove(repairWeightsPath(file));
        test::expectError([&] { readPlan(file); }, {repairWeightsPath(file).string(), "missing"});
        // Sites that do not match the operations are refused, naming the field.
        nlohmann::json j = planToJson(plan);
        j["repair"]["sites"][1]["through"] = "mlp.3";
        test::expectError([&] { planFromJson(j.dump(), "edited.json"); }, {"edited.json", "repair.sites[1]", "attn.3"});
        // "kind": "none" is no repair, whatever else the object says.
        j["repair"] = {{"kind", "none"}};
        QVERIFY(!planFromJson(j.dump(), "none.json").repair.active());
        // Cache keys: an unrepaired plan keeps its operations array; a repaired one differs
        // from it and from another fit.
        PruningPlan bare = plan;
        bare.repair = {};
        QCOMPARE(planIdentity(bare), planToJson(bare)["operations"]);
        QVERIFY(planIdentity(plan) != planIdentity(bare));
        QVERIFY(planIdentity(plan) != planIdentity(other));
        // Saving the plan without repair removes the stale matrix file.
        writePlan(file, plan);
        plan.repair = {};
        writePlan(file, plan);
        QVERIFY(!fs::exists(repairWeightsPath(file)));
    }

    // The student: the exported hf checkpoint of a repaired plan is a plain Llama whose NLL is
    // the in-memory repaired model's.
    void exportedCheckpointMatchesInMemory() {
        const auto student = loadModel(test::demoModelDir());
        PruningPlan plan = planOf(*student, {dropBlock(4), dropBlock(5), dropBlock(8), dropMlp(12)});
        at::manual_seed(5);
        const TokenWindows w = test::randomWindows(4, 64, student->config.vocabSize);
        plan.repair = fitRepair(*student, plan, RepairKind::Linear, w);
        const fs::path out = mDir / "student-repaired";
        exportPrunedModel(*student, plan, test::demoModelDir(), out, ExportFormat::Hf);
        const auto reloaded = loadModel(out);
        const nlohmann::json cfg = nlohmann::json::parse(std::ifstream(out / "config.json"));
        QCOMPARE(cfg["model_type"].get<std::string>(), std::string("llama"));
        QCOMPARE(cfg["num_hidden_layers"].get<int64_t>(), int64_t{13});
        const auto inMemory = applyPlan(*student, plan);
        const at::Tensor ids = idsOf(w);
        const at::Tensor a = nextTokenNll(*inMemory, runBlocks(*inMemory, embedTokens(*inMemory, ids), 0, inMemory->numLayers()), ids);
        const at::Tensor b = nextTokenNll(*reloaded, runBlocks(*reloaded, embedTokens(*reloaded, ids), 0, reloaded->numLayers()), ids);
        QVERIFY2(std::abs(a.mean().item<double>() - b.mean().item<double>()) < 1e-5, "mean NLL");
        // and the repair changed the model
        PruningPlan bare = plan;
        bare.repair = {};
        const auto plain = applyPlan(*student, bare);
        const at::Tensor c = nextTokenNll(*plain, runBlocks(*plain, embedTokens(*plain, ids), 0, plain->numLayers()), ids);
        QVERIFY(std::abs(a.mean().item<double>() - c.mean().item<double>()) > 1e-4);
    }
};

QTEST_APPLESS_MAIN(TestRepair)
#include "test_repair.moc"
