#include "pruning/shared_scoring.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "common/error.h"
#include "common/fnv_hash.h"

namespace lamina {

namespace {

constexpr std::size_t kValuesPerUnit = 4;  // divergence, nll, perplexity, estimate

}  // namespace

UnitRemovalScores scoreUnitsShared(const Collective* group, const Model& model,
                                   const TokenWindows& windows, const std::vector<Unit>& units,
                                   RemovalOptions options, const std::vector<double>& estimate,
                                   const ProgressFn& progress) {
    const std::size_t size = group ? static_cast<std::size_t>(group->size()) : 1;
    const std::size_t rank = group ? static_cast<std::size_t>(group->rank()) : 0;
    std::vector<std::size_t> mine;
    for (std::size_t k = rank; k < units.size(); k += size) mine.push_back(k);
    std::vector<Unit> myUnits;
    for (const std::size_t k : mine) myUnits.push_back(units[k]);
    options.leader = -1;
    if (!estimate.empty() && !mine.empty()) {
        std::size_t lead = 0;
        for (std::size_t j = 1; j < mine.size(); ++j) {
            if (estimate.at(mine[j]) < estimate.at(mine[lead])) lead = j;
        }
        options.leader = static_cast<int64_t>(lead);
    }
    UnitRemovalScores local;
    if (!mine.empty()) local = scoreUnitRemovals(model, windows, myUnits, options, progress);
    else reportProgress(progress, 1, 1);
    if (size == 1) return local;

    std::vector<double> packed{mine.empty() ? std::numeric_limits<double>::quiet_NaN() : local.basePerplexity,
                               static_cast<double>(local.abandoned)};
    for (std::size_t j = 0; j < mine.size(); ++j) {
        packed.insert(packed.end(), {local.divergence[j], local.nll[j], local.perplexity[j], local.estimate[j]});
    }
    const std::vector<double> all = group->allGather(packed);
    UnitRemovalScores r;
    r.units = units;
    r.divergence.resize(units.size());
    r.nll.resize(units.size());
    r.perplexity.resize(units.size());
    r.estimate.resize(units.size());
    std::size_t at = 0;
    for (std::size_t q = 0; q < size; ++q) {
        const std::size_t share = q < units.size() ? (units.size() - q + size - 1) / size : 0;
        if (at + 2 + kValuesPerUnit * share > all.size()) throw Error("distributed scoring: ranks disagree on the candidates");
        if (!std::isnan(all[at]) && r.basePerplexity == 0) r.basePerplexity = all[at];
        r.abandoned += static_cast<int64_t>(all[at + 1]);
        at += 2;
        for (std::size_t k = q; k < units.size(); k += size, at += kValuesPerUnit) {
            r.divergence[k] = all[at];
            r.nll[k] = all[at + 1];
            r.perplexity[k] = all[at + 2];
            r.estimate[k] = all[at + 3];
        }
    }
    if (at != all.size()) throw Error("distributed scoring: ranks disagree on the candidates");
    return r;
}

void checkSameWindows(const Collective* group, const TokenWindows& windows) {
    if (!group || group->size() <= 1) return;
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
