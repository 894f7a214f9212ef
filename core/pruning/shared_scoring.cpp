#include "pruning/shared_scoring.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string_view>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/shared_work.h"

namespace lamina {

namespace {

constexpr std::size_t kValuesPerUnit = 4;  // divergence, nll, perplexity, estimate

// Scores of units tried in `order` (scores[j] is of mine[order[j]]) back in mine's order.
UnitRemovalScores inMineOrder(const UnitRemovalScores& tried, const std::vector<std::size_t>& order) {
    UnitRemovalScores r = tried;
    for (std::size_t j = 0; j < order.size(); ++j) {
        r.units[order[j]] = tried.units[j];
        r.perplexity[order[j]] = tried.perplexity[j];
        r.nll[order[j]] = tried.nll[j];
        r.divergence[order[j]] = tried.divergence[j];
        r.estimate[order[j]] = tried.estimate[j];
    }
    return r;
}

}  // namespace

UnitRemovalScores scoreUnitsShared(const Collective* group, const Model& model,
                                   const TokenWindows& windows, const std::vector<Unit>& units,
                                   RemovalOptions options, const std::vector<double>& estimate,
                                   const ProgressFn& progress) {
    const std::vector<std::size_t> mine = ownedJobs(group, units.size());
    // A bounded search tries its units best-looking first (the first leads): a good one found
    // early lets it drop the others sooner.
    std::vector<std::size_t> order(mine.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    options.leader = -1;
    if (!estimate.empty() && !mine.empty()) {
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return estimate.at(mine[a]) < estimate.at(mine[b]);
        });
        options.leader = 0;
    }
    std::vector<Unit> myUnits;
    for (const std::size_t j : order) myUnits.push_back(units[mine[j]]);
    UnitRemovalScores local;
    if (!mine.empty()) local = inMineOrder(scoreUnitRemovals(model, windows, myUnits, options, progress), order);
    else reportProgress(progress, 1, 1);
    if (groupSize(group) <= 1) return local;

    // Per rank: its base perplexity (NaN when it scored nothing) and how many it abandoned.
    const std::vector<double> totals = group->allGather(
        {mine.empty() ? std::numeric_limits<double>::quiet_NaN() : local.basePerplexity,
         static_cast<double>(local.abandoned)});
    std::vector<double> packed;
    for (std::size_t j = 0; j < mine.size(); ++j) {
        packed.insert(packed.end(), {local.divergence[j], local.nll[j], local.perplexity[j], local.estimate[j]});
    }
    const std::vector<double> all =
        gatherJobs(group, std::vector<std::size_t>(units.size(), kValuesPerUnit), packed);
    UnitRemovalScores r;
    r.units = units;
    for (std::size_t q = 0; q + 1 < totals.size(); q += 2) {
        if (!std::isnan(totals[q]) && r.basePerplexity == 0) r.basePerplexity = totals[q];
        r.abandoned += static_cast<int64_t>(totals[q + 1]);
    }
    for (std::size_t k = 0; k < units.size(); ++k) {
        const double* v = &all[kValuesPerUnit * k];
        r.divergence.push_back(v[0]);
        r.nll.push_back(v[1]);
        r.perplexity.push_back(v[2]);
        r.estimate.push_back(v[3]);
    }
    return r;
}

void checkSameWindows(const Collective* group, const TokenWindows& windows) {
    if (groupSize(group) <= 1) return;
    Fnv1a h;
    h.field(windows.numWindows).field(windows.seqLen);
    h.update(std::string_view(reinterpret_cast<const char*>(windows.ids.data()),
                              windows.ids.size() * sizeof(windows.ids[0])));
    // Two exact 32-bit halves: a double holds integers up to 2^53.
    const std::vector<double> all = group->allGather({static_cast<double>(h.value() >> 32),
                                                      static_cast<double>(h.value() & 0xffffffffULL)});
    for (std::size_t q = 1; q < all.size() / 2; ++q) {
        if (all[2 * q] != all[0] || all[2 * q + 1] != all[1]) {
            throw Error("distributed scoring: rank " + std::to_string(q) +
                        " holds different calibration ids than rank 0 (give every rank the same "
                        "--calib data, or a results file with the ids)");
        }
    }
}

}  // namespace lamina
