#include "analysis/analysis_records.h"

#include <cmath>
#include <limits>

#include "common/error.h"

namespace lamina {

double ImportanceScores::value(const std::string& unit) const {
    for (std::size_t i = 0; i < units.size() && i < values.size(); ++i) {
        if (units[i] == unit) return values[i];
    }
    return std::numeric_limits<double>::quiet_NaN();
}


namespace {

ResultMeta query(const std::string& kind, const std::string& method, const std::string& parameters,
                 const std::string& modelFingerprint, const std::string& datasetFingerprint) {
    ResultMeta m;
    m.kind = kind;
    m.method = method;
    m.parameters = parameters;
    m.modelFingerprint = modelFingerprint;
    m.datasetFingerprint = datasetFingerprint;
    return m;
}

[[noreturn]] void malformed(const StoredResult& r, const std::string& what) {
    throw Error("result " + r.meta.key() + " (" + r.meta.method + "): " + what);
}

const DoubleArray& doubles(const StoredResult& r, const std::string& name) {
    auto it = r.doubles.find(name);
    if (it == r.doubles.end()) malformed(r, "missing dataset '" + name + "'");
    return it->second;
}

const std::vector<std::string>& strings(const StoredResult& r, const std::string& name) {
    auto it = r.strings.find(name);
    if (it == r.strings.end()) malformed(r, "missing dataset '" + name + "'");
    return it->second;
}

int64_t product(const std::vector<int64_t>& shape) {
    int64_t n = 1;
    for (int64_t s : shape) n *= s;
    return n;
}

}  // namespace

ResultMeta similarityQuery(const std::string& measure, const std::string& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint) {
    return query("similarity", measure, parameters, modelFingerprint, datasetFingerprint);
}

ResultMeta importanceQuery(const std::string& metric, const std::string& parameters,
                           const std::string& modelFingerprint,
                           const std::string& datasetFingerprint) {
    // Weight magnitude needs no data: one result per model.
    return query("importance", metric, parameters, modelFingerprint,
                 metric == "magnitude" ? "" : datasetFingerprint);
}

ResultMeta calibrationQuery(const CalibrationSet& set, const std::string& modelFingerprint) {
    return query("calibration", set.kind, set.parameters, modelFingerprint, set.fingerprint);
}

StoredResult toRecord(const SimilarityMatrix& m, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint) {
    StoredResult r;
    r.meta = similarityQuery(m.measure, m.parameters, modelFingerprint, datasetFingerprint);
    r.doubles["matrix"] = {{m.size(), m.size()}, m.values};
    r.strings["labels"] = m.labels;
    r.attributes["representation"] = m.representation;
    r.attributes["tokens"] = std::to_string(m.tokens);
    return r;
}

StoredResult toRecord(const ImportanceScores& s, const std::string& modelFingerprint,
                      const std::string& datasetFingerprint) {
    StoredResult r;
    r.meta = importanceQuery(s.metric, s.parameters, modelFingerprint, datasetFingerprint);
    r.doubles["values"] = {s.shape, s.values};
    r.strings["units"] = s.units;
    for (const auto& [name, value] : s.extras) r.doubles["extra." + name] = {{1}, {value}};
    return r;
}

StoredResult toRecord(const CalibrationSet& set, const std::string& modelFingerprint) {
    StoredResult r;
    r.meta = calibrationQuery(set, modelFingerprint);
    r.ints["ids"] = {{set.windows.numWindows, set.windows.seqLen},
                     std::vector<int64_t>(set.windows.ids.begin(), set.windows.ids.end())};
    r.attributes["description"] = set.description;
    return r;
}

SimilarityMatrix similarityFromRecord(const StoredResult& r) {
    SimilarityMatrix m;
    m.measure = r.meta.method;
    m.parameters = r.meta.parameters;
    m.labels = strings(r, "labels");
    const DoubleArray& a = doubles(r, "matrix");
    const auto n = static_cast<int64_t>(m.labels.size());
    if (a.shape != std::vector<int64_t>{n, n} || static_cast<int64_t>(a.values.size()) != n * n) {
        malformed(r, "matrix shape does not match its labels");
    }
    m.values = a.values;
    auto rep = r.attributes.find("representation");
    m.representation = rep == r.attributes.end() ? "" : rep->second;
    auto tokens = r.attributes.find("tokens");
    if (tokens != r.attributes.end()) {
        try {
            m.tokens = std::stoll(tokens->second);
        } catch (const std::exception&) {
            malformed(r, "attribute 'tokens' is not a number");
        }
    }
    return m;
}

ImportanceScores importanceFromRecord(const StoredResult& r) {
    ImportanceScores s;
    s.metric = r.meta.method;
    s.parameters = r.meta.parameters;
    s.units = strings(r, "units");
    const DoubleArray& a = doubles(r, "values");
    if (product(a.shape) != static_cast<int64_t>(a.values.size())) {
        malformed(r, "values shape does not match its size");
    }
    s.shape = a.shape;
    s.values = a.values;
    for (const auto& [name, array] : r.doubles) {
        if (name.rfind("extra.", 0) == 0 && array.values.size() == 1) {
            s.extras[name.substr(6)] = array.values[0];
        }
    }
    return s;
}

std::vector<TokenId> calibrationIdsFromRecord(const StoredResult& r) {
    auto it = r.ints.find("ids");
    if (it == r.ints.end()) malformed(r, "missing dataset 'ids'");
    std::vector<TokenId> ids;
    ids.reserve(it->second.values.size());
    for (int64_t v : it->second.values) {
        if (v < 0 || v > std::numeric_limits<TokenId>::max()) malformed(r, "token id out of range");
        ids.push_back(static_cast<TokenId>(v));
    }
    return ids;
}

}  // namespace lamina
