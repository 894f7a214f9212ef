// `lamina-cli analyze`: argument parsing and output, shared by the front end (which answers
// from the results file) and the engine (which computes what is missing).
#include "analyze_common.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/error.h"
#include "console.h"
#include "result_json.h"

namespace lamina::cli {

namespace {

std::vector<std::string> splitList(const std::string& text) {
    std::vector<std::string> items;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) items.push_back(item);
    }
    return items;
}

double parseDouble(const Args& args, const std::string& name, double fallback) {
    const auto v = args.value(name);
    if (!v) return fallback;
    try {
        std::size_t used = 0;
        const double d = std::stod(*v, &used);
        if (used == v->size() && std::isfinite(d) && d > 0) return d;
    } catch (const std::exception&) {
    }
    throw Error("option --" + name + ": expected a positive number, got '" + *v + "'");
}

void printText(const AnalysisReport& r) {
    std::printf("calibration  %s: %lld windows × %lld tokens (fingerprint %s)\n",
                r.calibration.description.c_str(),
                static_cast<long long>(r.calibration.windows.numWindows),
                static_cast<long long>(r.calibration.windows.seqLen),
                r.calibration.fingerprint.c_str());
    for (std::size_t i = 0; i < r.output.similarities.size(); ++i) {
        const SimilarityMatrix& m = r.output.similarities[i];
        // Mean similarity of neighbouring layers: the band along the diagonal.
        double band = 0;
        for (int64_t k = 0; k + 1 < m.size(); ++k) band += m.at(k, k + 1);
        std::printf("%-17s %-8s %lld×%lld over %lld tokens, mean neighbour %.3f%s\n",
                    m.measure.c_str(), m.representation.c_str(), static_cast<long long>(m.size()),
                    static_cast<long long>(m.size()), static_cast<long long>(m.tokens),
                    m.size() > 1 ? band / static_cast<double>(m.size() - 1) : 0.0,
                    r.similarityFromCache[i] ? "  (cached)" : "");
    }
    for (std::size_t i = 0; i < r.output.importances.size(); ++i) {
        const ImportanceScores& s = r.output.importances[i];
        std::printf("%-17s %s", s.metric.c_str(), r.importanceFromCache[i] ? "(cached) " : "");
        if (s.shape.size() == 1) {
            std::vector<std::size_t> order(s.values.size());
            for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
            std::sort(order.begin(), order.end(),
                      [&](std::size_t a, std::size_t b) { return s.values[a] < s.values[b]; });
            std::printf("least important:");
            for (std::size_t k = 0; k < std::min<std::size_t>(5, order.size()); ++k) {
                std::printf(" %s=%.4g", s.units[order[k]].c_str(), s.values[order[k]]);
            }
            std::printf("; most: %s=%.4g", s.units[order.back()].c_str(), s.values[order.back()]);
        } else {
            std::printf("angular distance per span n (rows) and first block (columns)");
        }
        for (const auto& [k, v] : s.extras) std::printf("; %s=%.4f", k.c_str(), v);
        std::printf("\n");
    }
    std::printf("time         %.2f s (%s)\n", r.seconds,
                r.computed ? "computed" : "answered from the results file");
}

}  // namespace

CalibrationRequest parseCalibrationRequest(const Args& args) {
    CalibrationRequest data;
    data.text = args.valueOr("calib", "");
    data.tokenizer = args.valueOr("tokenizer", "");
    data.seqLen = args.requiredInteger("seq", 2, 1 << 16);
    data.windows = args.requiredInteger("windows", 1, 1 << 20);
    data.bos = parseBosPolicy(args.valueOr("bos", "first"));
    data.seed = static_cast<uint64_t>(args.integer("seed", 0, 0, int64_t{1} << 62));
    return data;
}

const std::set<std::string>& analyzeValueOptions() {
    static const std::set<std::string> options = {
        "calib",     "seq",       "windows",        "metrics",      "out",
        "bos",       "seed",      "representation", "batch",        "threads",
        "dtype",     "tokenizer", "max-tokens",     "minibatch",    "sigma-fraction",
        "angular-span", "norm-power", "max-rbf-tokens", "weights"};
    return options;
}

AnalysisRequest parseAnalyzeRequest(const Args& args) {
    AnalysisRequest req;
    req.model = args.positional("MODEL");
    req.data = parseCalibrationRequest(args);
    req.compute = computeDtype(args);
    req.weights = weightResidence(args);
    AnalysisOptions& o = req.options;
    o.layerByLayer = args.flag("layer-by-layer");
    const std::vector<std::string> metrics = splitList(args.required("metrics"));
    if (metrics.empty()) throw Error("option --metrics: empty list");
    try {
        for (const std::string& m : metrics) o.metrics.push_back(parseMetric(m));
    } catch (const Error& e) {
        throw Error(std::string("option --metrics: ") + e.what());
    }
    const std::string rep = args.valueOr("representation", "residual");
    if (rep != "residual" && rep != "sublayer" && rep != "both") {
        throw Error("option --representation: expected residual, sublayer or both");
    }
    o.residual = rep != "sublayer";
    o.sublayer = rep != "residual";
    o.batchWindows = args.integer("batch", 0, 0, 4096);
    o.maxExactTokens = args.integer("max-tokens", o.maxExactTokens, 16, 1 << 16);
    o.maxRbfTokens = args.integer("max-rbf-tokens", o.maxRbfTokens, 16, 1 << 16);
    o.minibatchTokens = args.integer("minibatch", o.minibatchTokens, 4, 1 << 14);
    o.rbfSigmaFraction = parseDouble(args, "sigma-fraction", o.rbfSigmaFraction);
    o.angularMaxSpan = args.integer("angular-span", 0, 0, 1 << 12);
    o.normPower = static_cast<int>(args.integer("norm-power", 1, 1, 2));
    return req;
}

void printAnalysisReport(const AnalysisReport& report, const AnalysisRequest& req,
                         const ResultsStore& store, bool json) {
    if (json) {
        nlohmann::json results = nlohmann::json::array();
        for (std::size_t i = 0; i < report.output.similarities.size(); ++i) {
            auto j = similarityJson(report.output.similarities[i]);
            j["cached"] = static_cast<bool>(report.similarityFromCache[i]);
            results.push_back(std::move(j));
        }
        for (std::size_t i = 0; i < report.output.importances.size(); ++i) {
            auto j = importanceJson(report.output.importances[i]);
            j["cached"] = static_cast<bool>(report.importanceFromCache[i]);
            results.push_back(std::move(j));
        }
        const CalibrationSet& c = report.calibration;
        printJson({{"model", req.model.string()},
                   {"model_fingerprint", report.modelFingerprint},
                   {"calibration", {{"kind", c.kind}, {"description", c.description},
                                    {"fingerprint", c.fingerprint},
                                    {"windows", c.windows.numWindows}, {"seq", c.windows.seqLen}}},
                   {"results_file", store.path().string()},
                   {"computed", report.computed},
                   {"seconds", report.seconds},
                   {"results", results}});
        return;
    }
    printText(report);
}

}  // namespace lamina::cli
