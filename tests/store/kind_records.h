#pragma once

// The real records store_writer puts for each kind of store write, built from the index `i`
// alone and encoded with the production encoders, so a crash test can rebuild what a killed
// writer meant to write and compare it with what the production decoders read back.
//   analysis:   i % 3 = 0 similarity (32 x 32), 1 importance, 2 calibration ids (32 x 128)
//   trajectory: i % 4 = 3 SLM merge sweep (48 intervals), otherwise a 64-step trajectory
//   evaluation: i % 5 = 4 perplexity, otherwise zero-shot with 2500-4000 request scores

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "analysis/analysis_records.h"
#include "eval/eval_records.h"
#include "pruning/sweep_records.h"
#include "pruning/trajectory_records.h"
#include "writer_results.h"

namespace lamina::test {

enum class RecordKind { Analysis, Trajectory, Evaluation };

inline std::optional<RecordKind> parseRecordKind(const std::string& name) {
    if (name == "analysis") return RecordKind::Analysis;
    if (name == "trajectory") return RecordKind::Trajectory;
    if (name == "evaluation") return RecordKind::Evaluation;
    return std::nullopt;
}

inline const char* const kKindModelFp = "0123456789abcdef";
inline const char* const kKindDataFp = "fedcba9876543210";

/// Uniform in [0, 1) with all 53 mantissa bits used, from (i, stream, j).
inline double unitValue(int i, int stream, int64_t j) {
    const uint64_t h = splitMix((uint64_t(i) << 44) ^ (uint64_t(stream) << 36) ^ uint64_t(j));
    return static_cast<double>(h >> 11) * 0x1.0p-53;
}

inline std::string indexParameters(int i, const char* extra) {
    return "{\"i\":" + std::to_string(i) + "," + extra + "}";
}

// --- analysis -----------------------------------------------------------------------------

inline SimilarityMatrix similarityOf(int i) {
    static const char* const kMeasures[] = {"cka_linear", "cka_unbiased", "cka_rbf", "cosine",
                                            "angular_distance"};
    SimilarityMatrix m;
    m.measure = kMeasures[(i / 3) % 5];
    m.representation = i % 2 == 0 ? "residual" : "sublayer";
    const int n = 32;
    for (int k = 0; k < n; ++k) m.labels.push_back("h" + std::to_string(k));
    m.values.resize(size_t(n) * n);
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c)  // symmetric with a unit diagonal, like a real CKA matrix
            m.values[size_t(r) * n + c] =
                r == c ? 1.0 : unitValue(i, 1, std::min(r, c) * n + std::max(r, c));
    m.tokens = 4096 + i;
    m.parameters = indexParameters(i, "\"layers\":32");
    return m;
}

inline ImportanceScores importanceOf(int i) {
    static const char* const kMetrics[] = {"bi",      "angular", "ppl_drop",
                                           "js_drop", "taylor",  "magnitude"};
    ImportanceScores s;
    s.metric = kMetrics[(i / 3) % 6];
    s.parameters = indexParameters(i, "\"units\":\"sublayer\"");
    const int layers = 32;
    if (s.metric == "angular") {  // row n-1: spans of n blocks, NaN beyond the depth
        const int spans = 8;
        for (int k = 0; k < layers; ++k) s.units.push_back("block." + std::to_string(k));
        s.shape = {spans, layers};
        for (int n = 1; n <= spans; ++n)
            for (int k = 0; k < layers; ++k)
                s.values.push_back(k + n <= layers ? unitValue(i, 2, n * layers + k)
                                                   : std::nan(""));
    } else {
        for (int k = 0; k < layers; ++k) {
            s.units.push_back("attn." + std::to_string(k));
            s.units.push_back("mlp." + std::to_string(k));
        }
        s.shape = {2 * layers};
        for (int k = 0; k < 2 * layers; ++k) s.values.push_back(unitValue(i, 2, k) * 10.0);
    }
    if (s.metric == "ppl_drop" || s.metric == "js_drop")
        s.extras["base_ppl"] = 5.0 + unitValue(i, 3, 0);
    return s;
}

inline CalibrationSet calibrationOf(int i) {
    CalibrationSet set;
    set.windows.numWindows = 32;
    set.windows.seqLen = 128;
    set.windows.sourceTokens = 32 * 128;
    for (int64_t j = 0; j < 32 * 128; ++j)
        set.windows.ids.push_back(
            static_cast<TokenId>(splitMix(uint64_t(i) << 32 | uint64_t(j)) % 32000));
    set.kind = "self_generated";
    set.description = "self-generated, seed " + std::to_string(i);
    set.parameters = indexParameters(i, "\"n\":32,\"t\":128");
    set.fingerprint = "c" + std::to_string(1000000000 + i) + "abcde";  // 16 characters
    return set;
}

// --- trajectory ---------------------------------------------------------------------------

inline Trajectory trajectoryOf(int i) {
    static const char* const kMethods[] = {"finercut", "shortened-ppl", "shortgpt"};
    Trajectory t;
    t.method = kMethods[(i / 4) % 3];
    t.parameters = indexParameters(i, "\"steps\":64");
    t.scoreName = t.method == "shortgpt" ? "bi" : "js";
    t.basePerplexity = 6.0 + unitValue(i, 4, 0);
    t.cumulative = i % 8 != 1;
    t.requestedSteps = i % 2 == 0 ? 64 : 0;
    double ppl = t.basePerplexity;
    for (int k = 0; k < 64; ++k) {
        static const StepKind kKinds[] = {StepKind::Attn, StepKind::Mlp, StepKind::Block, StepKind::Merge};
        TrajectoryStep s;
        s.kind = kKinds[splitMix(uint64_t(i) * 64 + uint64_t(k)) % 4];
        s.layer = k % 32;
        s.lastLayer = s.kind == StepKind::Merge ? s.layer + 1 + k % 3 : s.layer;
        s.score = unitValue(i, 5, k);
        ppl *= 1.0 + unitValue(i, 6, k) / 10.0;
        s.perplexity = ppl;
        s.removedSublayers = k + 1;
        s.removedParams = int64_t(k + 1) * 67'633'152;  // > 2^32 from the 64th step on
        t.steps.push_back(s);
    }
    return t;
}

inline std::vector<SlmSweepEntry> sweepOf(int i) {
    std::vector<SlmSweepEntry> sweep(48);
    for (int e = 0; e < 48; ++e) {
        SlmSweepEntry& entry = sweep[size_t(e)];
        entry.thresholdLow = -1.0 + e / 24.0;
        entry.thresholdHigh = -1.0 + (e + 1) / 24.0;
        for (int m = 0; m < (e + i) % 6; ++m)
            entry.merges.push_back({4 * m, 4 * m + 1 + (e % 3), unitValue(i, 7, e * 8 + m)});
        for (const SlmMerge& m : entry.merges) entry.removedBlocks += m.last - m.first;
    }
    return sweep;
}

inline ResultMeta sweepMetaOf(int i) {
    return sweepQuery(indexParameters(i, "\"threshold_steps\":48"), kKindModelFp, kKindDataFp);
}

// --- evaluation ---------------------------------------------------------------------------

struct EvaluationCase {
    ResultMeta meta;
    TaskOutcome outcome;
    std::string protocol;
    std::vector<std::vector<RequestScore>> scores;  ///< empty for perplexity
};

inline EvaluationCase evaluationOf(int i) {
    struct Shape {
        const char* name;
        const char* metric;
        int items, choices;
    };
    static const Shape kTasks[] = {{"hellaswag", "acc_norm", 1000, 4},
                                   {"piqa", "acc", 1838, 2},
                                   {"arc_easy", "acc", 800, 4},
                                   {"winogrande", "acc", 1267, 2}};
    EvaluationCase c;
    c.protocol = i % 2 == 0 ? "llm-pruner" : "finercut";
    TaskOutcome& o = c.outcome;
    if (i % 5 == 4) {
        o.task = {"wikitext2", "ppl", true};
        o.metrics["ppl"] = {12.0 + unitValue(i, 8, 0), unitValue(i, 8, 1)};
        o.metrics["nll"] = {2.5 + unitValue(i, 8, 2), unitValue(i, 8, 3) / 100};
        o.items = o.totalItems = 2214;
        o.tokens = 2214 * 127;
    } else {
        const Shape& shape = kTasks[(i / 5) % 4];
        o.task = {shape.name, shape.metric, false};
        o.metrics["acc"] = {unitValue(i, 8, 0), unitValue(i, 8, 1) / 50};
        if (std::string(shape.metric) == "acc_norm")
            o.metrics["acc_norm"] = {unitValue(i, 8, 2), unitValue(i, 8, 3) / 50};
        o.items = shape.items;
        o.totalItems = shape.items + i;
        for (int item = 0; item < shape.items; ++item) {
            std::vector<RequestScore>& requests = c.scores.emplace_back();
            for (int k = 0; k < shape.choices; ++k) {
                const int64_t j = int64_t(item) * shape.choices + k;
                requests.push_back({-40.0 * unitValue(i, 9, j),
                                    splitMix(uint64_t(i) << 32 ^ uint64_t(j)) % 7 == 0,
                                    1 + int64_t(j % 17)});
                o.tokens += requests.back().tokens;
            }
        }
    }
    o.seconds = 30.0 + unitValue(i, 8, 4) * 100;
    const nlohmann::json parameters = {
        {"i", i}, {"limit", o.items}, {"bos", false}, {"plan", {"drop attn.3", "drop mlp.7"}}};
    c.meta = evaluationQuery(o.task, parameters, kKindModelFp, kKindDataFp);
    return c;
}

// --- any kind -----------------------------------------------------------------------------

/// The key fields of record `i` of `kind`, from the production query functions.
inline ResultMeta kindQuery(RecordKind kind, int i) {
    switch (kind) {
        case RecordKind::Analysis:
            if (i % 3 == 0) {
                const SimilarityMatrix m = similarityOf(i);
                return similarityQuery(m.measure, m.parameters, kKindModelFp, kKindDataFp);
            }
            if (i % 3 == 1) {
                const ImportanceScores s = importanceOf(i);
                return importanceQuery(s.metric, s.parameters, kKindModelFp, kKindDataFp);
            }
            return calibrationQuery(calibrationOf(i), kKindModelFp);
        case RecordKind::Trajectory:
            if (i % 4 == 3) return sweepMetaOf(i);
            return trajectoryQuery(trajectoryOf(i).method, trajectoryOf(i).parameters, kKindModelFp,
                                   kKindDataFp);
        case RecordKind::Evaluation:
            return evaluationOf(i).meta;
    }
    return {};
}

/// Record `i` of `kind`, from the production encoders.
inline StoredResult kindRecord(RecordKind kind, int i) {
    switch (kind) {
        case RecordKind::Analysis:
            if (i % 3 == 0) return toRecord(similarityOf(i), kKindModelFp, kKindDataFp);
            if (i % 3 == 1) return toRecord(importanceOf(i), kKindModelFp, kKindDataFp);
            return toRecord(calibrationOf(i), kKindModelFp);
        case RecordKind::Trajectory:
            if (i % 4 == 3) return toRecord(sweepMetaOf(i), sweepOf(i));
            return toRecord(trajectoryOf(i), kKindModelFp, kKindDataFp);
        case RecordKind::Evaluation: {
            const EvaluationCase c = evaluationOf(i);
            return evaluationRecord(c.meta, c.outcome, c.protocol, c.scores);
        }
    }
    return {};
}

}  // namespace lamina::test
