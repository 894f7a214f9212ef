#include "pruning/plan_repair.h"

#include <algorithm>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/json_field.h"
#include "model/safetensors.h"
#include "model/safetensors_bytes.h"
#include "pruning/plan.h"

namespace lamina {

namespace {

std::string tensorName(std::size_t site) { return "site." + std::to_string(site); }

int64_t parsePosition(const JsonField& f) {
    const std::string label = f.string();
    if (label == "embed") return -1;
    const auto dot = label.find('.');
    const std::string kind = label.substr(0, dot == std::string::npos ? 0 : dot);
    if (dot != std::string::npos && (kind == "attn" || kind == "mlp")) {
        try {
            std::size_t used = 0;
            const std::string digits = label.substr(dot + 1);
            const long long layer = std::stoll(digits, &used);
            if (used == digits.size() && layer >= 0) return sublayerPosition(layer, kind == "mlp");
        } catch (const std::exception&) {
        }
    }
    f.fail("expected attn.N, mlp.N or embed, got '" + label + "'");
}

}  // namespace

RepairKind parseRepairKind(const std::string& text) {
    if (text == "none") return RepairKind::None;
    if (text == "linear") return RepairKind::Linear;
    if (text == "rescale") return RepairKind::Rescale;
    throw Error("unknown repair '" + text + "' (none, linear, rescale)");
}

std::string repairKindName(RepairKind kind) {
    switch (kind) {
        case RepairKind::None: return "none";
        case RepairKind::Linear: return "linear";
        case RepairKind::Rescale: return "rescale";
    }
    return "?";
}

int64_t sublayerPosition(int64_t layer, bool mlp) { return 2 * layer + (mlp ? 1 : 0); }

std::string positionLabel(int64_t position) {
    if (position < 0) return "embed";
    return (position % 2 == 0 ? "attn." : "mlp.") + std::to_string(position / 2);
}

std::vector<RepairSite> repairSites(const std::vector<PlanOperation>& operations, int64_t layers) {
    // The pruned model's sublayers in depth order, each covering the unpruned positions
    // [start, end] it stands for; the embedding covers none.
    struct Covered {
        int64_t carrier, start, end;
    };
    std::vector<int> lost(static_cast<std::size_t>(layers), 0);  // bit 0 attn, bit 1 mlp
    std::vector<int64_t> mergeEnd(static_cast<std::size_t>(layers), -1);
    std::vector<bool> mergedAway(static_cast<std::size_t>(layers), false);
    for (const PlanOperation& o : operations) {
        const auto k = static_cast<std::size_t>(o.layer);
        if (o.isMerge()) {
            mergeEnd[k] = o.lastLayer;
            for (int64_t l = o.layer + 1; l <= o.lastLayer; ++l) mergedAway[static_cast<std::size_t>(l)] = true;
        } else {
            lost[k] |= o.op == PlanOperation::Op::DropAttn   ? 1
                       : o.op == PlanOperation::Op::DropMlp ? 2
                                                             : 3;
        }
    }
    std::vector<Covered> kept = {{-1, -1, -1}};
    for (int64_t i = 0; i < layers; ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (mergedAway[k]) continue;
        const int64_t last = mergeEnd[k] >= 0 ? mergeEnd[k] : i;
        if ((lost[k] & 1) == 0) kept.push_back({sublayerPosition(i, false), sublayerPosition(i, false), sublayerPosition(i, false)});
        if ((lost[k] & 2) == 0) kept.push_back({sublayerPosition(i, true), sublayerPosition(i, true), sublayerPosition(last, true)});
    }
    std::vector<RepairSite> sites;
    for (std::size_t s = 0; s < kept.size(); ++s) {
        const int64_t nextStart = s + 1 < kept.size() ? kept[s + 1].start : 2 * layers;
        const int64_t through = std::max(kept[s].end, nextStart - 1);
        if (through > kept[s].start) {
            RepairSite site;
            site.carrier = kept[s].carrier;
            site.through = through;
            sites.push_back(site);
        }
    }
    return sites;
}

std::string repairWeightsFingerprint(const PlanRepair& repair) {
    Fnv1a h;
    bool any = false;
    for (const RepairSite& s : repair.sites) {
        if (s.matrix.empty()) continue;
        any = true;
        h.field(static_cast<int64_t>(s.matrix.size()));
        h.update(std::string_view(reinterpret_cast<const char*>(s.matrix.data()), s.matrix.size() * sizeof(float)));
    }
    return any ? h.hex() : "";
}

nlohmann::json repairToJson(const PlanRepair& repair) {
    nlohmann::json sites = nlohmann::json::array();
    for (const RepairSite& s : repair.sites) {
        nlohmann::json j = {{"carrier", positionLabel(s.carrier)}, {"through", positionLabel(s.through)}};
        if (!s.skipped.empty()) j["skipped"] = s.skipped;
        if (repair.kind == RepairKind::Rescale && s.skipped.empty()) j["scale"] = s.scale;
        sites.push_back(j);
    }
    nlohmann::json j = {{"kind", repairKindName(repair.kind)},
                        {"sites", sites},
                        {"calibration", repair.calibration},
                        {"fit", repair.fit}};
    if (repair.kind == RepairKind::Linear) {
        j["hidden"] = repair.hidden;
        j["weights_fingerprint"] = repairWeightsFingerprint(repair);
    }
    return j;
}

PlanRepair repairFromJson(const nlohmann::json& json, const std::string& source,
                          const std::vector<PlanOperation>& operations, int64_t layers) {
    const JsonField root(json, source, "repair");
    root.requireObject();
    PlanRepair r;
    try {
        r.kind = parseRepairKind(root["kind"].string());
    } catch (const Error&) {
        root["kind"].fail("expected none, linear or rescale");
    }
    if (r.kind == RepairKind::None) return r;  // nothing else to read or check
    if (const auto c = root.optional("calibration")) {
        c->requireObject();
        r.calibration = c->value();
    }
    if (const auto f = root.optional("fit")) {
        f->requireObject();
        r.fit = f->value();
    }
    if (r.kind == RepairKind::Linear) {
        r.hidden = root["hidden"].positiveInteger();
        if (r.hidden > 65536) root["hidden"].fail("implausibly large");
        r.weightsFingerprint = root["weights_fingerprint"].string();
    }
    const std::vector<RepairSite> expected = repairSites(operations, layers);
    const JsonField sites = root["sites"];
    if (sites.arraySize() != expected.size()) {
        sites.fail("lists " + std::to_string(sites.arraySize()) + " sites, the plan's operations make " +
                   std::to_string(expected.size()) + " cuts");
    }
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const JsonField e = sites.at(i);
        e.requireObject();
        RepairSite s;
        s.carrier = parsePosition(e["carrier"]);
        s.through = parsePosition(e["through"]);
        if (s.carrier != expected[i].carrier || s.through != expected[i].through) {
            e.fail("cut " + positionLabel(s.carrier) + " → " + positionLabel(s.through) +
                   " is not the plan's cut " + positionLabel(expected[i].carrier) + " → " +
                   positionLabel(expected[i].through));
        }
        s.skipped = e.string("skipped", "");
        if (r.kind == RepairKind::Rescale && s.skipped.empty()) {
            s.scale = e["scale"].number();
            if (!(s.scale > 0)) e["scale"].fail("must be positive");
        }
        r.sites.push_back(s);
    }
    return r;
}

std::filesystem::path repairWeightsPath(const std::filesystem::path& planPath) {
    return planPath.string() + ".repair.safetensors";
}

void writeRepairWeights(const std::filesystem::path& path, const PlanRepair& repair) {
    std::vector<TensorBytes> tensors;
    for (std::size_t i = 0; i < repair.sites.size(); ++i) {
        const RepairSite& s = repair.sites[i];
        if (s.matrix.empty()) continue;
        tensors.push_back({tensorName(i), DType::F32, {repair.hidden, repair.hidden}, s.matrix.data(),
                           s.matrix.size() * sizeof(float)});
    }
    writeSafetensorsBytes(path, tensors, {{"format", "lamina-repair"}, {"kind", repairKindName(repair.kind)}});
}

void readRepairWeights(const std::filesystem::path& path, PlanRepair& repair) {
    const std::string& expected = repair.weightsFingerprint;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
        throw Error(path.string() + ": missing (the linear repair's matrices, written beside the plan)");
    }
    const auto file = SafetensorsFile::open(path);
    const auto d = static_cast<std::size_t>(repair.hidden);
    for (std::size_t i = 0; i < repair.sites.size(); ++i) {
        RepairSite& s = repair.sites[i];
        s.matrix.clear();
        if (!s.skipped.empty()) continue;
        const TensorView& t = file->get(tensorName(i));
        if (t.dtype != DType::F32 || t.shape != std::vector<int64_t>{repair.hidden, repair.hidden}) {
            throw Error(path.string() + ": tensor '" + tensorName(i) + "' must be F32 of shape [" +
                        std::to_string(d) + ", " + std::to_string(d) + "]");
        }
        s.matrix.resize(d * d);
        std::copy_n(reinterpret_cast<const char*>(t.data), t.nbytes, reinterpret_cast<char*>(s.matrix.data()));
    }
    if (repairWeightsFingerprint(repair) != expected) {
        throw Error(path.string() + ": matrices do not match the plan's weights_fingerprint " + expected +
                    " (the file belongs to another plan)");
    }
}

}  // namespace lamina
