#include "result_json.h"

#include <cmath>

namespace lamina::cli {

namespace {

nlohmann::json number(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

nlohmann::json parametersJson(const std::string& text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception&) {
        return text;
    }
}

}  // namespace

nlohmann::json similarityJson(const SimilarityMatrix& m) {
    nlohmann::json rows = nlohmann::json::array();
    for (int64_t i = 0; i < m.size(); ++i) {
        nlohmann::json row = nlohmann::json::array();
        for (int64_t j = 0; j < m.size(); ++j) row.push_back(number(m.at(i, j)));
        rows.push_back(std::move(row));
    }
    return {{"kind", "similarity"},          {"method", m.measure},
            {"representation", m.representation}, {"labels", m.labels},
            {"matrix", rows},                 {"tokens", m.tokens},
            {"parameters", parametersJson(m.parameters)}};
}

nlohmann::json importanceJson(const ImportanceScores& s) {
    nlohmann::json values = nlohmann::json::array();
    if (s.shape.size() == 2) {
        for (int64_t r = 0; r < s.shape[0]; ++r) {
            nlohmann::json row = nlohmann::json::array();
            for (int64_t c = 0; c < s.shape[1]; ++c) {
                row.push_back(number(s.values[static_cast<std::size_t>(r * s.shape[1] + c)]));
            }
            values.push_back(std::move(row));
        }
    } else {
        for (double v : s.values) values.push_back(number(v));
    }
    nlohmann::json extras = nlohmann::json::object();
    for (const auto& [k, v] : s.extras) extras[k] = number(v);
    return {{"kind", "importance"}, {"method", s.metric}, {"units", s.units},
            {"shape", s.shape},     {"values", values},   {"extras", extras},
            {"parameters", parametersJson(s.parameters)}};
}

nlohmann::json metaJson(const ResultMeta& meta) {
    return {{"key", meta.key()},
            {"kind", meta.kind},
            {"method", meta.method},
            {"parameters", parametersJson(meta.parameters)},
            {"model_fingerprint", meta.modelFingerprint},
            {"dataset_fingerprint", meta.datasetFingerprint},
            {"tool_version", meta.toolVersion},
            {"created", meta.created},
            {"schema_version", meta.schemaVersion}};
}

}  // namespace lamina::cli
