#include "analysis/removal_streams.h"

#include <algorithm>
#include <unordered_set>

namespace lamina::removal {

Taps recordingInto(Stream& s) {
    Taps taps;
    taps.residual = true;
    taps.attnOut = true;
    taps.onTap = [&s](const TapPoint& p, const at::Tensor& x) {
        const auto i = static_cast<std::size_t>(p.layer);
        if (p.site == TapSite::Residual) s.h[i] = x;
        else s.mid[i] = s.h[i] + x;
    };
    return taps;
}

void keepWithin(std::vector<std::vector<Stream>>& perUnit, std::size_t chunks, int64_t budget) {
    std::unordered_set<const void*> held;  // states already counted (streams share prefixes)
    int64_t bytes = 0;
    for (std::vector<Stream>& streams : perUnit) {
        std::vector<const void*> fresh;
        int64_t more = 0;
        for (const Stream& s : streams) {
            for (const auto* states : {&s.h, &s.mid}) {
                for (const at::Tensor& t : *states) {
                    if (!t.defined() || held.count(t.data_ptr()) > 0 ||
                        std::find(fresh.begin(), fresh.end(), t.data_ptr()) != fresh.end()) {
                        continue;
                    }
                    fresh.push_back(t.data_ptr());
                    more += t.numel() * t.element_size();
                }
            }
        }
        if (streams.size() != chunks || bytes + more > budget) {
            streams.clear();
            continue;
        }
        bytes += more;
        held.insert(fresh.begin(), fresh.end());
    }
}

int64_t entryBlock(const Unit& unit) { return unit.kind == Unit::Kind::Attn ? unit.layer : unit.layer + 1; }

at::Tensor resume(const Model& model, const Stream& s, const Ablation& before, const Unit& unit,
                  const Ablation& after, Stream* record) {
    const int64_t L = model.numLayers(), l = unit.layer, entry = entryBlock(unit);
    const auto li = static_cast<std::size_t>(l);
    // Removing block l's FFN leaves its attention output: continue from h_l + attn_l (or from
    // h_l when that attention is removed already, or absent from the model: a pruned import).
    const bool attentionRan = !before.attnRemoved(l) && model.blocks[li].hasAttention();
    const at::Tensor& start = unit.kind == Unit::Kind::Mlp && attentionRan ? s.mid[li] : s.h[li];
    if (record == nullptr) return runBlocks(model, start, entry, L, after);
    *record = s;
    for (int64_t i = l; i < L; ++i) record->mid[static_cast<std::size_t>(i)] = at::Tensor();
    if (unit.kind == Unit::Kind::Mlp) record->mid[li] = s.mid[li];  // block l's attention is unchanged
    const Taps taps = recordingInto(*record);
    return runBlocks(model, start, entry, L, after, &taps);
}

}  // namespace lamina::removal
