#include "pruning/trajectory_records.h"

#include "common/error.h"

namespace lamina {

namespace {
[[noreturn]] void malformed(const StoredResult& r, const std::string& what) {
    throw Error("result " + r.meta.key() + " (" + r.meta.method + "): " + what);
}
}  // namespace

ResultMeta trajectoryQuery(const std::string& method, const std::string& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint) {
    ResultMeta m;
    m.kind = "trajectory";
    m.method = method;
    m.parameters = parameters;
    m.modelFingerprint = modelFingerprint;
    m.datasetFingerprint = datasetFingerprint;
    return m;
}

StoredResult toRecord(const Trajectory& t, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint) {
    StoredResult r;
    r.meta = trajectoryQuery(t.method, t.parameters, modelFingerprint, datasetFingerprint);
    const auto S = static_cast<int64_t>(t.steps.size());
    std::vector<std::string> kinds;
    IntArray layers{{S, 2}, {}}, removed{{S, 2}, {}};
    DoubleArray score{{S}, {}}, ppl{{S}, {}};
    for (const TrajectoryStep& s : t.steps) {
        kinds.push_back(stepKindName(s.kind));
        layers.values.insert(layers.values.end(), {s.layer, s.lastLayer});
        removed.values.insert(removed.values.end(), {s.removedSublayers, s.removedParams});
        score.values.push_back(s.score);
        ppl.values.push_back(s.perplexity);
    }
    // A set step's units: one row (step, kind, layer) each; absent when no step is a set.
    IntArray setUnits{{0, 3}, {}};
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
        for (const Unit& u : t.steps[i].units) {
            setUnits.values.insert(setUnits.values.end(), {static_cast<int64_t>(i), static_cast<int64_t>(u.kind), u.layer});
        }
    }
    setUnits.shape[0] = static_cast<int64_t>(setUnits.values.size() / 3);
    if (setUnits.shape[0] > 0) r.ints["set_units"] = setUnits;
    r.strings["step_kind"] = kinds;
    r.ints["layers"] = layers;
    r.ints["removed"] = removed;
    r.doubles["score"] = score;
    r.doubles["perplexity"] = ppl;
    r.doubles["extra.base_ppl"] = {{1}, {t.basePerplexity}};
    r.attributes["score_name"] = t.scoreName;
    r.attributes["cumulative"] = t.cumulative ? "true" : "false";
    r.attributes["requested_steps"] = std::to_string(t.requestedSteps);
    return r;
}

Trajectory trajectoryFromRecord(const StoredResult& r) {
    Trajectory t;
    t.method = r.meta.method;
    t.parameters = r.meta.parameters;
    auto attr = [&](const std::string& k) {
        auto it = r.attributes.find(k);
        return it == r.attributes.end() ? std::string() : it->second;
    };
    t.scoreName = attr("score_name");
    t.cumulative = attr("cumulative") != "false";
    try {
        const std::string requested = attr("requested_steps");
        t.requestedSteps = requested.empty() ? 0 : std::stoll(requested);
    } catch (const std::exception&) {
        malformed(r, "attribute 'requested_steps' is not a number");
    }
    auto kinds = r.strings.find("step_kind");
    auto layers = r.ints.find("layers");
    auto removed = r.ints.find("removed");
    auto score = r.doubles.find("score");
    auto ppl = r.doubles.find("perplexity");
    auto base = r.doubles.find("extra.base_ppl");
    if (kinds == r.strings.end() || layers == r.ints.end() || removed == r.ints.end() ||
        score == r.doubles.end() || ppl == r.doubles.end() || base == r.doubles.end()) {
        malformed(r, "missing trajectory datasets");
    }
    const std::size_t S = kinds->second.size();
    if (layers->second.values.size() != 2 * S || removed->second.values.size() != 2 * S ||
        score->second.values.size() != S || ppl->second.values.size() != S ||
        base->second.values.size() != 1) {
        malformed(r, "trajectory datasets disagree in length");
    }
    t.basePerplexity = base->second.values[0];
    for (std::size_t i = 0; i < S; ++i) {
        TrajectoryStep s;
        try {
            s.kind = parseStepKind(kinds->second[i]);
        } catch (const Error& e) {
            malformed(r, "step " + std::to_string(i) + ": " + e.what());
        }
        s.layer = layers->second.values[2 * i];
        s.lastLayer = layers->second.values[2 * i + 1];
        s.removedSublayers = removed->second.values[2 * i];
        s.removedParams = removed->second.values[2 * i + 1];
        s.score = score->second.values[i];
        s.perplexity = ppl->second.values[i];
        t.steps.push_back(s);
    }
    if (auto set = r.ints.find("set_units"); set != r.ints.end()) {
        const std::vector<int64_t>& v = set->second.values;
        if (v.size() % 3 != 0) malformed(r, "dataset 'set_units' is not (N, 3)");
        for (std::size_t k = 0; k < v.size(); k += 3) {
            const int64_t step = v[k], kind = v[k + 1], layer = v[k + 2];
            if (step < 0 || static_cast<std::size_t>(step) >= S || t.steps[static_cast<std::size_t>(step)].kind != StepKind::Set) {
                malformed(r, "dataset 'set_units' row " + std::to_string(k / 3) + " names step " + std::to_string(step) +
                                 ", which is not a set step");
            }
            if (kind < 0 || kind > 2 || layer < 0) {
                malformed(r, "dataset 'set_units' row " + std::to_string(k / 3) + " is not a unit");
            }
            t.steps[static_cast<std::size_t>(step)].units.push_back({static_cast<Unit::Kind>(kind), layer});
        }
    }
    for (std::size_t i = 0; i < S; ++i) {
        if (t.steps[i].kind == StepKind::Set && t.steps[i].units.empty()) {
            malformed(r, "set step " + std::to_string(i) + " has no units in dataset 'set_units'");
        }
    }
    return t;
}

}  // namespace lamina
