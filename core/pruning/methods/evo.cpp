// EvoPress (arXiv 2410.14649) for depth pruning: a (1 + λ) evolutionary search over which k
// units to remove, per requested size. The parent is the best of the seeds (greedy
// trajectories' first k steps) and random configurations; each generation mutates it λ times
// (swaps of a removed unit for a kept one), takes a cheap first look at the offspring on a
// random quarter of the calibration windows, scores the best few on all of them and keeps the
// best configuration (elitist: the parent stays unless an offspring is strictly better).
// Fitness: the divergence from the unpruned model, as FinerCut's, or (as SLEB's criterion)
// the pruned model's calibration NLL.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <set>

#include "common/error.h"
#include "pruning/evo_search.h"
#include "pruning/method.h"
#include "pruning/prune_options.h"
#include "pruning/scoring_context.h"

namespace lamina::methods {

namespace {

using evo::Mask;

struct Search {
    ScoringContext& context;
    const PruneOptions& options;
    const std::vector<Unit>& units;
    std::map<Mask, double> full;  // every configuration scored on all windows (exact values)
    double evaluations = 0;
    std::function<bool()> keepGoing;

    Ablation ablation(const Mask& m) const {
        Ablation a = Ablation::none(context.numLayers());
        for (std::size_t i = 0; i < m.size(); ++i) {
            if (m[i]) a.remove(units[i]);
        }
        return a;
    }

    SetScores score(const std::vector<Mask>& ms, const std::vector<int64_t>& windows, const Mask& base,
                    const Mask* order, int64_t survivors, double bound) {
        SetScoring job;
        for (const Mask& m : ms) job.candidates.push_back(ablation(m));
        job.windows = windows;
        job.divergence = options.divergence;
        job.nll = options.evo.nllFitness;
        job.base = ablation(base);
        if (order) job.order = ablation(*order);
        job.survivors = survivors;
        job.bound = bound;
        SetScores got = context.setDivergences(job, [&](int64_t, int64_t) { return keepGoing(); });
        evaluations += got.evaluations;
        return got;
    }

    // Indices of the `keep` lowest finite values (ties: the earlier).
    static std::vector<std::size_t> lowest(const std::vector<double>& v, int64_t keep) {
        std::vector<std::size_t> idx;
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (std::isfinite(v[i])) idx.push_back(i);
        }
        std::stable_sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
        if (static_cast<int64_t>(idx.size()) > keep) idx.resize(static_cast<std::size_t>(keep));
        return idx;
    }

    // The cheap first look: `ms` on `look` random windows, the best few passed on.
    std::vector<Mask> firstLook(const std::vector<Mask>& ms, const Mask& base, int64_t look, evo::Rng& rng) {
        const int64_t keep = options.evo.firstLookSurvivors;
        const SetScores got = score(ms, evo::drawWindows(context.numWindows(), look, rng), base, nullptr, keep,
                                    std::numeric_limits<double>::infinity());
        std::vector<Mask> passed;
        for (const std::size_t i : lowest(got.values, keep)) passed.push_back(ms[i]);
        return passed;
    }

    // Full scores of `ms` (from the memo where known), abandoning those above `bound`.
    std::vector<double> scoreFull(const std::vector<Mask>& ms, const Mask& base, const Mask& order, double bound) {
        std::vector<double> values(ms.size());
        std::vector<Mask> fresh;
        std::vector<std::size_t> where;
        for (std::size_t i = 0; i < ms.size(); ++i) {
            const auto it = full.find(ms[i]);
            if (it != full.end()) {
                values[i] = it->second;
            } else {
                fresh.push_back(ms[i]);
                where.push_back(i);
            }
        }
        if (fresh.empty()) return values;
        const SetScores got = score(fresh, {}, base, &order, 1, bound);
        for (std::size_t j = 0; j < fresh.size(); ++j) {
            values[where[j]] = got.values[j];
            if (std::isfinite(got.values[j])) full[fresh[j]] = got.values[j];
        }
        return values;
    }
};

Trajectory run(ScoringContext& context, const PruneOptions& o, const ProgressFn& progress) {
    const std::vector<Unit> units = candidateUnits(o.unitsOrDefault(), context.config(), o.protectFirst);
    const auto n = static_cast<int64_t>(units.size());
    std::vector<int64_t> sizes = o.evo.sizes;
    if (sizes.empty() && o.maxSteps > 0) sizes = {o.maxSteps};
    if (sizes.empty()) throw Error("evo: give the sizes to search (--ratio or --steps)");
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());
    const EvoOptions& e = o.evo;
    const int64_t N = context.numWindows();
    const int64_t look = std::min(N, e.firstLookWindows > 0 ? e.firstLookWindows : std::max<int64_t>(1, N / 4));
    const bool twoStages = look < N;

    std::vector<int64_t> generations;
    int64_t totalGenerations = 0;
    for (const int64_t k : sizes) {
        if (k < 1 || k > n) {
            throw Error("evo: cannot remove " + std::to_string(k) + " of the " + std::to_string(n) + " " +
                        unitSetName(o.unitsOrDefault()) + " units");
        }
        generations.push_back(e.generations > 0 ? e.generations : evo::defaultGenerations(n, k));
        totalGenerations += generations.back() + 1;  // + the first selection
    }
    int64_t doneGenerations = 0;
    const StagedProgress stages(progress, {1.0, 0.02});
    const ProgressFn searchProgress = stages.stage(0);
    auto keepGoing = [&] { return !searchProgress || searchProgress(doneGenerations, totalGenerations); };

    Trajectory t;
    t.cumulative = false;
    t.scoreName = e.nllFitness ? "nll" : divergenceName(o.divergence);
    std::vector<Ablation> configurations(1);  // [0]: the unpruned model; [i + 1]: size i's answer
    for (std::size_t si = 0; si < sizes.size(); ++si) {
        const int64_t k = sizes[si];
        Search s{context, o, units, {}, 0, keepGoing};
        evo::Rng rng(e.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(k));
        // Seeds: each greedy order's first k units, where all are candidates here.
        std::vector<Mask> seeds;
        for (const std::vector<Unit>& order : e.seedOrders) {
            if (static_cast<int64_t>(order.size()) < k) continue;
            Mask m(static_cast<std::size_t>(n), 0);
            bool usable = true;
            for (int64_t i = 0; i < k && usable; ++i) {
                const auto at = std::find(units.begin(), units.end(), order[static_cast<std::size_t>(i)]);
                usable = at != units.end();
                if (usable) m[static_cast<std::size_t>(at - units.begin())] = 1;
            }
            if (usable && evo::removedCount(m) == k && std::find(seeds.begin(), seeds.end(), m) == seeds.end()) {
                seeds.push_back(m);
            }
        }
        std::set<Mask> seen(seeds.begin(), seeds.end());
        std::vector<Mask> randoms;
        for (int64_t tries = 0; static_cast<int64_t>(randoms.size()) < e.initial && tries < 100 * e.initial; ++tries) {
            Mask m = evo::randomMask(n, k, rng);
            if (seen.insert(m).second) randoms.push_back(m);
        }
        // The rows of every full scoring are compared in one order (the first seed's
        // divergence, else the first random configuration's), so values compare exactly.
        const Mask order = seeds.empty() ? randoms.front() : seeds.front();
        std::vector<Mask> finalists = seeds;
        if (!randoms.empty()) {
            const std::vector<Mask> passed = twoStages ? s.firstLook(randoms, order, look, rng) : randoms;
            finalists.insert(finalists.end(), passed.begin(), passed.end());
        }
        if (finalists.empty()) {
            throw Error("evo: no seed trajectory reaches " + std::to_string(k) + " units and --initial is 0");
        }
        const std::vector<double> initial = s.scoreFull(finalists, order, order, std::numeric_limits<double>::infinity());
        Mask parent = finalists[Search::lowest(initial, 1).at(0)];
        double parentValue = s.full.at(parent);
        ++doneGenerations;
        for (int64_t g = 0; g < generations[si]; ++g) {
            std::vector<Mask> offspring;
            std::set<Mask> drawn{parent};
            for (int64_t tries = 0; static_cast<int64_t>(offspring.size()) < e.offspring && tries < 100 * e.offspring; ++tries) {
                Mask m = evo::mutate(parent, evo::drawSwaps(e.maxMutations, rng), rng);
                if (drawn.insert(m).second) offspring.push_back(m);
            }
            if (offspring.empty()) break;  // every configuration is the parent (k = n)
            const std::vector<Mask> passed = twoStages ? s.firstLook(offspring, parent, look, rng) : offspring;
            const std::vector<double> values = s.scoreFull(passed, parent, order, parentValue);
            const std::vector<std::size_t> best = Search::lowest(values, 1);
            if (!best.empty() && values[best[0]] < parentValue) {
                parent = passed[best[0]];
                parentValue = values[best[0]];
            }
            ++doneGenerations;
            reportProgress(searchProgress, doneGenerations, totalGenerations);
        }
        std::vector<Unit> removed;
        for (std::size_t i = 0; i < parent.size(); ++i) {
            if (parent[i]) removed.push_back(units[i]);
        }
        TrajectoryStep step = setStep(removed);
        step.score = parentValue;
        t.steps.push_back(step);
        configurations.push_back(s.ablation(parent));
        t.candidateEvaluations += s.evaluations;
    }
    const std::vector<double> ppl = context.perplexities(configurations, stages.stage(1));
    t.basePerplexity = ppl[0];
    for (std::size_t i = 0; i < t.steps.size(); ++i) t.steps[i].perplexity = ppl[i + 1];
    return t;
}

void describe(const PruneOptions& o, nlohmann::json& j) {
    const EvoOptions& e = o.evo;
    j["units"] = unitSetName(o.unitsOrDefault());
    j["fitness"] = e.nllFitness ? "nll" : divergenceName(o.divergence);
    j["protect_first"] = o.protectFirst;
    j["generations"] = e.generations;
    j["offspring"] = e.offspring;
    j["search_seed"] = e.seed;
    j["first_look"] = {{"windows", e.firstLookWindows}, {"survivors", e.firstLookSurvivors}};
    j["max_mutations"] = e.maxMutations;
    j["initial"] = e.initial;
    j["seeds"] = e.seedNames;
}

void check(const PruneOptions& o) {
    const EvoOptions& e = o.evo;
    if (e.offspring < 1) throw Error("evo: --offspring must be ≥ 1");
    if (e.generations < 0) throw Error("evo: --generations must be ≥ 0");
    if (e.firstLookSurvivors < 1) throw Error("evo: the first look must keep at least one offspring");
    if (e.maxMutations < 1) throw Error("evo: --max-mutations must be ≥ 1");
    if (e.initial < 0) throw Error("evo: --initial must be ≥ 0");
    if (e.seedOrders.size() != e.seedNames.size()) throw Error("evo: every seed order needs its name");
    if (e.initial == 0 && e.seedOrders.empty()) throw Error("evo: no seeds and --initial 0: nothing to start from");
}

}  // namespace

extern const MethodTraits evo = [] {
    MethodTraits m;
    m.name = "evo";
    m.label = "Evolutionary search (EvoPress, per ratio)";
    m.units = UnitSet::Sublayer;
    m.unitChoice = true;
    m.searchesSizes = true;
    m.describe = describe;
    m.check = check;
    m.run = run;
    return m;
}();

}  // namespace lamina::methods
