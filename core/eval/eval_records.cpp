#include "eval/eval_records.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace lamina {

const MetricValue& TaskOutcome::headline() const {
    const auto it = metrics.find(task.metric);
    if (it == metrics.end()) throw Error("task " + task.name + ": no metric " + task.metric);
    return it->second;
}

std::optional<double> zeroShotAverage(const std::vector<TaskOutcome>& tasks) {
    double sum = 0;
    int count = 0;
    for (const TaskOutcome& t : tasks) {
        if (t.task.perplexity) continue;
        sum += t.headline().value;
        ++count;
    }
    if (count == 0) return std::nullopt;
    return sum / count;
}

ResultMeta evaluationQuery(const EvalTask& task, const nlohmann::json& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint) {
    ResultMeta m;
    m.kind = "evaluation";
    m.method = task.perplexity ? "ppl_" + task.name : task.name;
    m.parameters = parameters.dump();
    m.modelFingerprint = modelFingerprint;
    m.datasetFingerprint = datasetFingerprint;
    return m;
}

StoredResult evaluationRecord(const ResultMeta& meta, const TaskOutcome& outcome,
                              const std::string& protocol,
                              const std::vector<std::vector<RequestScore>>& scores) {
    StoredResult r;
    r.meta = meta;
    DoubleArray values, errors;
    std::vector<std::string> names;
    for (const auto& [name, v] : outcome.metrics) {
        names.push_back(name);
        values.values.push_back(v.value);
        errors.values.push_back(v.standardError);
    }
    values.shape = errors.shape = {static_cast<int64_t>(names.size())};
    r.doubles["metrics"] = values;
    r.doubles["standard_errors"] = errors;
    r.strings["metric_names"] = names;
    if (!scores.empty()) {
        DoubleArray ll;
        IntArray greedy, offsets;
        offsets.values.push_back(0);
        for (const auto& item : scores) {
            for (const RequestScore& s : item) {
                ll.values.push_back(s.logLikelihood);
                greedy.values.push_back(s.greedy ? 1 : 0);
            }
            offsets.values.push_back(static_cast<int64_t>(ll.values.size()));
        }
        ll.shape = greedy.shape = {static_cast<int64_t>(ll.values.size())};
        offsets.shape = {static_cast<int64_t>(offsets.values.size())};
        r.doubles["loglikelihood"] = ll;
        r.ints["greedy"] = greedy;
        r.ints["request_offsets"] = offsets;
    }
    r.attributes["protocol"] = protocol;
    r.attributes["metric"] = outcome.task.metric;
    r.attributes["items"] = std::to_string(outcome.items);
    r.attributes["total_items"] = std::to_string(outcome.totalItems);
    r.attributes["tokens"] = std::to_string(outcome.tokens);
    r.attributes["seconds"] = nlohmann::json(outcome.seconds).dump();
    return r;
}

StoredEvaluation evaluationFromRecord(const StoredResult& record) {
    const std::string& method = record.meta.method;
    const bool ppl = method.rfind("ppl_", 0) == 0;  // evaluationQuery's naming
    const auto metric = record.attributes.find("metric");
    const EvalTask task{ppl ? method.substr(4) : method, metric != record.attributes.end() ? metric->second : "acc", ppl};
    const auto params = nlohmann::json::parse(record.meta.parameters, nullptr, false);  // no throw
    StoredEvaluation e;
    e.outcome = outcomeFromRecord(record, task);
    e.pruned = params.is_object() && !params.value("plan", nlohmann::json()).is_null();
    return e;
}

TaskOutcome outcomeFromRecord(const StoredResult& record, const EvalTask& task) {
    const auto fail = [&](const std::string& what) -> Error {
        return Error("result " + record.meta.key() + " (" + record.meta.method + "): " + what);
    };
    const auto values = record.doubles.find("metrics");
    const auto errors = record.doubles.find("standard_errors");
    const auto names = record.strings.find("metric_names");
    if (values == record.doubles.end() || errors == record.doubles.end() ||
        names == record.strings.end()) {
        throw fail("missing the metrics datasets");
    }
    const std::size_t n = names->second.size();
    if (values->second.values.size() != n || errors->second.values.size() != n) {
        throw fail("metric names and values differ in length");
    }
    TaskOutcome out;
    out.task = task;
    for (std::size_t i = 0; i < n; ++i) {
        out.metrics[names->second[i]] = {values->second.values[i], errors->second.values[i]};
    }
    const auto integer = [&](const char* key) -> int64_t {
        const auto it = record.attributes.find(key);
        if (it == record.attributes.end()) throw fail(std::string("missing attribute ") + key);
        try {
            return std::stoll(it->second);
        } catch (const std::exception&) {
            throw fail(std::string("attribute ") + key + " is not an integer");
        }
    };
    out.items = integer("items");
    out.totalItems = integer("total_items");
    out.tokens = integer("tokens");
    out.cached = true;
    if (out.metrics.count(task.metric) == 0) throw fail("no metric " + task.metric);
    return out;
}

}  // namespace lamina
