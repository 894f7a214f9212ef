#include "pruning/sweep_records.h"

#include "common/error.h"

namespace lamina {

ResultMeta sweepQuery(const std::string& parameters, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint) {
    ResultMeta m;
    m.kind = "merge_sweep";
    m.method = "slm";
    m.parameters = parameters;
    m.modelFingerprint = modelFingerprint;
    m.datasetFingerprint = datasetFingerprint;
    return m;
}

StoredResult toRecord(const ResultMeta& meta, const std::vector<SlmSweepEntry>& sweep) {
    StoredResult r;
    r.meta = meta;
    DoubleArray thresholds, merges;
    IntArray removed, offsets;
    offsets.values.push_back(0);
    for (const SlmSweepEntry& e : sweep) {
        thresholds.values.insert(thresholds.values.end(), {e.thresholdLow, e.thresholdHigh});
        removed.values.push_back(e.removedBlocks);
        for (const SlmMerge& m : e.merges) {
            merges.values.insert(merges.values.end(),
                                 {static_cast<double>(m.first), static_cast<double>(m.last), m.similarity});
        }
        offsets.values.push_back(static_cast<int64_t>(merges.values.size() / 3));
    }
    const auto n = static_cast<int64_t>(sweep.size());
    thresholds.shape = {n, 2};
    removed.shape = {n};
    merges.shape = {static_cast<int64_t>(merges.values.size() / 3), 3};
    offsets.shape = {n + 1};
    r.doubles["thresholds"] = thresholds;
    r.doubles["merges"] = merges;
    r.ints["removed_blocks"] = removed;
    r.ints["merge_offsets"] = offsets;
    return r;
}

std::vector<SlmSweepEntry> sweepFromRecord(const StoredResult& record) {
    const auto fail = [&](const std::string& what) {
        return Error("result " + record.meta.key() + " (merge_sweep): " + what);
    };
    const auto t = record.doubles.find("thresholds");
    const auto m = record.doubles.find("merges");
    const auto rb = record.ints.find("removed_blocks");
    const auto off = record.ints.find("merge_offsets");
    if (t == record.doubles.end() || m == record.doubles.end() || rb == record.ints.end() ||
        off == record.ints.end()) {
        throw fail("missing datasets");
    }
    const std::size_t n = rb->second.values.size();
    const auto& o = off->second.values;
    if (t->second.values.size() != 2 * n || o.size() != n + 1 || o.front() != 0 ||
        m->second.values.size() % 3 != 0 ||
        o.back() != static_cast<int64_t>(m->second.values.size() / 3)) {
        throw fail("inconsistent dataset sizes");
    }
    std::vector<SlmSweepEntry> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        out[i].thresholdLow = t->second.values[2 * i];
        out[i].thresholdHigh = t->second.values[2 * i + 1];
        out[i].removedBlocks = rb->second.values[i];
        if (o[i] > o[i + 1]) throw fail("merge offsets decrease");
        for (int64_t k = o[i]; k < o[i + 1]; ++k) {
            const double* v = &m->second.values[static_cast<std::size_t>(3 * k)];
            out[i].merges.push_back({static_cast<int64_t>(v[0]), static_cast<int64_t>(v[1]), v[2]});
        }
    }
    return out;
}

}  // namespace lamina
