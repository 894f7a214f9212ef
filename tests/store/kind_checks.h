#pragma once

// Decodes a stored record of kind_records.h with the production decoders and compares the
// decoded values, field by field, with the objects the test builds for the same index.

#include <cstring>
#include <string>
#include <vector>

#include "kind_records.h"

namespace lamina::test {

namespace detail {

inline bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() &&
           (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

inline bool sameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline std::string attribute(const StoredResult& r, const std::string& name) {
    const auto it = r.attributes.find(name);
    return it == r.attributes.end() ? "<missing>" : it->second;
}

inline std::string similarityDifference(int i, const StoredResult& r) {
    const SimilarityMatrix e = similarityOf(i), a = similarityFromRecord(r);
    if (a.measure != e.measure) return "measure";
    if (a.representation != e.representation) return "representation";
    if (a.labels != e.labels) return "labels";
    if (!sameBits(a.values, e.values)) return "matrix values";
    if (a.tokens != e.tokens) return "tokens";
    if (a.parameters != e.parameters) return "parameters";
    return {};
}

inline std::string importanceDifference(int i, const StoredResult& r) {
    const ImportanceScores e = importanceOf(i), a = importanceFromRecord(r);
    if (a.metric != e.metric) return "metric";
    if (a.units != e.units) return "units";
    if (a.shape != e.shape) return "shape";
    if (!sameBits(a.values, e.values)) return "values";  // NaN where undefined included
    if (a.extras.size() != e.extras.size()) return "number of extras";
    for (const auto& [name, value] : e.extras) {
        const auto it = a.extras.find(name);
        if (it == a.extras.end() || !sameBits(it->second, value)) return "extra " + name;
    }
    if (a.parameters != e.parameters) return "parameters";
    return {};
}

inline std::string calibrationDifference(int i, const StoredResult& r) {
    const CalibrationSet e = calibrationOf(i);
    if (calibrationIdsFromRecord(r) != e.windows.ids) return "token ids";
    const auto ids = r.ints.find("ids");
    if (ids->second.shape != std::vector<int64_t>{e.windows.numWindows, e.windows.seqLen})
        return "ids shape";
    if (attribute(r, "description") != e.description) return "description";
    return {};
}

inline std::string trajectoryDifference(int i, const StoredResult& r) {
    const Trajectory e = trajectoryOf(i), a = trajectoryFromRecord(r);
    if (a.method != e.method || a.parameters != e.parameters) return "method or parameters";
    if (a.scoreName != e.scoreName) return "score name";
    if (!sameBits(a.basePerplexity, e.basePerplexity)) return "base perplexity";
    if (a.cumulative != e.cumulative) return "cumulative";
    if (a.requestedSteps != e.requestedSteps) return "requested steps";
    if (a.steps.size() != e.steps.size()) return "number of steps";
    for (size_t k = 0; k < e.steps.size(); ++k) {
        const TrajectoryStep &x = e.steps[k], &y = a.steps[k];
        if (y.kind != x.kind || y.layer != x.layer || y.lastLayer != x.lastLayer ||
            !sameBits(y.score, x.score) || !sameBits(y.perplexity, x.perplexity) ||
            y.removedSublayers != x.removedSublayers || y.removedParams != x.removedParams)
            return "step " + std::to_string(k);
    }
    return {};
}

inline std::string sweepDifference(int i, const StoredResult& r) {
    const std::vector<SlmSweepEntry> e = sweepOf(i), a = sweepFromRecord(r);
    if (a.size() != e.size()) return "number of sweep intervals";
    for (size_t k = 0; k < e.size(); ++k) {
        const SlmSweepEntry &x = e[k], &y = a[k];
        bool same = sameBits(y.thresholdLow, x.thresholdLow) &&
                    sameBits(y.thresholdHigh, x.thresholdHigh) &&
                    y.removedBlocks == x.removedBlocks && y.merges.size() == x.merges.size();
        for (size_t m = 0; same && m < x.merges.size(); ++m)
            same = y.merges[m].first == x.merges[m].first && y.merges[m].last == x.merges[m].last &&
                   sameBits(y.merges[m].similarity, x.merges[m].similarity);
        if (!same) return "sweep interval " + std::to_string(k);
    }
    return {};
}

inline std::string evaluationDifference(int i, const StoredResult& r) {
    const EvaluationCase e = evaluationOf(i);
    const TaskOutcome a = outcomeFromRecord(r, e.outcome.task);
    if (a.metrics.size() != e.outcome.metrics.size()) return "number of metrics";
    for (const auto& [name, value] : e.outcome.metrics) {
        const auto it = a.metrics.find(name);
        if (it == a.metrics.end() || !sameBits(it->second.value, value.value) ||
            !sameBits(it->second.standardError, value.standardError))
            return "metric " + name;
    }
    if (a.items != e.outcome.items || a.totalItems != e.outcome.totalItems) return "items";
    if (a.tokens != e.outcome.tokens) return "tokens";
    if (attribute(r, "protocol") != e.protocol) return "protocol";
    if (attribute(r, "metric") != e.outcome.task.metric) return "metric attribute";
    if (nlohmann::json::parse(attribute(r, "seconds"), nullptr, false) != e.outcome.seconds)
        return "seconds";
    // Per-request scores, in the layout of docs/results-format.md (no decoder reads them).
    std::vector<double> ll;
    std::vector<int64_t> greedy, offsets{0};
    for (const auto& item : e.scores) {
        for (const RequestScore& s : item) {
            ll.push_back(s.logLikelihood);
            greedy.push_back(s.greedy ? 1 : 0);
        }
        offsets.push_back(static_cast<int64_t>(ll.size()));
    }
    const auto storedLl = r.doubles.find("loglikelihood");
    const auto storedGreedy = r.ints.find("greedy");
    const auto storedOffsets = r.ints.find("request_offsets");
    if (e.scores.empty())
        return storedLl == r.doubles.end() && storedGreedy == r.ints.end() &&
                       storedOffsets == r.ints.end()
                   ? std::string()
                   : "request scores stored for a perplexity result";
    if (storedLl == r.doubles.end() || !sameBits(storedLl->second.values, ll) ||
        storedLl->second.shape != std::vector<int64_t>{static_cast<int64_t>(ll.size())})
        return "request log-likelihoods";
    if (storedGreedy == r.ints.end() || storedGreedy->second.values != greedy)
        return "request greedy flags";
    if (storedOffsets == r.ints.end() || storedOffsets->second.values != offsets)
        return "request offsets";
    return {};
}

}  // namespace detail

/// Empty when `stored` holds record `i` of `kind` exactly (key fields included), otherwise
/// the first difference; a decoder's `Error` is reported as a difference.
inline std::string kindDifference(RecordKind kind, int i, const StoredResult& stored) {
    const ResultMeta q = kindQuery(kind, i);
    const ResultMeta& m = stored.meta;
    if (m.kind != q.kind || m.method != q.method || m.parameters != q.parameters ||
        m.modelFingerprint != q.modelFingerprint || m.datasetFingerprint != q.datasetFingerprint)
        return "key fields";
    try {
        switch (kind) {
            case RecordKind::Analysis:
                if (i % 3 == 0) return detail::similarityDifference(i, stored);
                if (i % 3 == 1) return detail::importanceDifference(i, stored);
                return detail::calibrationDifference(i, stored);
            case RecordKind::Trajectory:
                if (i % 4 == 3) return detail::sweepDifference(i, stored);
                return detail::trajectoryDifference(i, stored);
            case RecordKind::Evaluation:
                return detail::evaluationDifference(i, stored);
        }
    } catch (const Error& e) {
        return std::string("decoding failed: ") + e.what();
    }
    return "unknown kind";
}

}  // namespace lamina::test
