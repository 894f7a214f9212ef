#pragma once

// Pruning plans for tests, written as short text: "a1 m2 b3 rdsc:1-3" is drop_attn 1,
// drop_mlp 2, drop_block 3 and a merge of blocks 1..3 with rdsc.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "fixtures.h"
#include "model/fingerprint.h"
#include "model/model.h"
#include "pruning/plan.h"

namespace lamina::test {

inline nlohmann::json planOperations(const std::string& text) {
    nlohmann::json ops = nlohmann::json::array();
    std::istringstream in(text);
    std::string word;
    while (in >> word) {
        const auto colon = word.find(':');
        if (colon != std::string::npos) {
            const auto dash = word.find('-', colon);
            ops.push_back({{"op", "merge"},
                           {"formula", word.substr(0, colon)},
                           {"layers",
                            {std::stoll(word.substr(colon + 1, dash - colon - 1)),
                             std::stoll(word.substr(dash + 1))}}});
            continue;
        }
        const char* op = word[0] == 'a' ? "drop_attn" : word[0] == 'm' ? "drop_mlp" : "drop_block";
        ops.push_back({{"op", op}, {"layer", std::stoll(word.substr(1))}});
    }
    return ops;
}

/// A plan for `m` (loaded from `source`) with the operations `ops`.
inline PruningPlan planFromText(const Model& m, const std::filesystem::path& source,
                                const std::string& ops) {
    const nlohmann::json doc = {{"schema", 1},
                                {"model",
                                 {{"fingerprint", modelFingerprint(source)},
                                  {"family", m.config.family},
                                  {"layers", m.numLayers()}}},
                                {"method", {{"name", "test"}}},
                                {"operations", planOperations(ops)}};
    return planFromJson(doc.dump(), "test-plan.json");
}

/// A shared fixture model by name: a directory under models/, or "stories260K.bin" (the
/// llama2.c file).
inline std::filesystem::path fixtureModel(const std::string& name) {
    if (name == "stories260K.bin") return sharedDir() / "models/stories260K/llama2c/stories260K.bin";
    return sharedDir() / "models" / name;
}

}  // namespace lamina::test
