#include "eval/eval_protocol.h"

#include <map>

#include "common/error.h"
#include "data/zeroshot_tasks.h"

namespace lamina {

namespace {

const std::map<std::string, std::string>& perplexityTexts() {
    static const std::map<std::string, std::string> texts = {
        {"wikitext2", "wikitext2/test.txt"},
        {"ptb", "ptb/test.txt"},
        {"tinystories", "tinystories/eval.txt"},
    };
    return texts;
}

EvalTask zeroShot(const std::string& name, const std::string& metric) {
    return {name, metric, false};
}

EvalTask perplexity(const std::string& name) { return {name, "ppl", true}; }

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

EvalProtocol evalPreset(const std::string& name) {
    EvalProtocol p;
    p.name = name;
    if (name == "llm-pruner") {
        p.seqLen = 128;
        p.tasks = {perplexity("wikitext2"),          perplexity("ptb"),
                   zeroShot("boolq", "acc"),          zeroShot("piqa", "acc"),
                   zeroShot("hellaswag", "acc_norm"), zeroShot("winogrande", "acc"),
                   zeroShot("arc_easy", "acc"),       zeroShot("arc_challenge", "acc_norm"),
                   zeroShot("openbook_qa", "acc_norm")};
    } else if (name == "finercut") {
        p.tasks = parseEvalTasks(
            "boolq,piqa,hellaswag,winogrande,arc_easy,arc_challenge,openbook_qa,lambada_openai");
    } else if (name == "sleb") {
        p.seqLen = 2048;
        p.tasks = {perplexity("wikitext2")};
    } else {
        throw Error("unknown evaluation protocol '" + name +
                    "' (expected llm-pruner, finercut, sleb or custom)");
    }
    return p;
}

std::vector<std::string> evalTaskNames() {
    std::vector<std::string> names;
    for (const TaskSpec& t : zeroShotTasks()) names.emplace_back(t.name);
    for (const auto& [name, path] : perplexityTexts()) names.push_back(name);
    return names;
}

std::vector<EvalTask> parseEvalTasks(const std::string& list) {
    std::vector<EvalTask> tasks;
    std::size_t pos = 0;
    while (pos <= list.size()) {
        std::size_t end = list.find(',', pos);
        if (end == std::string::npos) end = list.size();
        const std::string entry = list.substr(pos, end - pos);
        pos = end + 1;
        if (entry.empty()) continue;
        const std::size_t colon = entry.find(':');
        const std::string name = entry.substr(0, colon);
        const std::string metric = colon == std::string::npos ? "" : entry.substr(colon + 1);
        if (perplexityTexts().count(name) != 0) {
            if (!metric.empty() && metric != "ppl") {
                throw Error("task " + name + ": a perplexity text has only the metric ppl");
            }
            tasks.push_back(perplexity(name));
            continue;
        }
        const TaskSpec* spec = findZeroShotTask(name);
        if (spec == nullptr) {
            throw Error("unknown task '" + name + "' (known: " + join(evalTaskNames()) + ")");
        }
        const std::string chosen = !metric.empty() ? metric : spec->hasAccNorm ? "acc_norm" : "acc";
        const bool ok = chosen == "acc" || (chosen == "acc_norm" && spec->hasAccNorm) ||
                        (chosen == "ppl" && spec->format == TaskFormat::GreedyTarget);
        if (!ok) throw Error("task " + name + ": no metric '" + chosen + "'");
        tasks.push_back(zeroShot(name, chosen));
    }
    if (tasks.empty()) throw Error("no tasks given (known: " + join(evalTaskNames()) + ")");
    return tasks;
}

std::filesystem::path perplexityTextPath(const std::string& task,
                                         const std::filesystem::path& dataDir) {
    const auto it = perplexityTexts().find(task);
    if (it == perplexityTexts().end()) throw Error("unknown perplexity text '" + task + "'");
    std::filesystem::path dir = dataDir.lexically_normal();
    if (!dir.has_filename()) dir = dir.parent_path();  // "data/zeroshot/" → "data/zeroshot"
    const std::filesystem::path direct = dir / it->second;
    const std::filesystem::path parent = dir.parent_path() / it->second;
    std::error_code ec;
    if (std::filesystem::is_regular_file(direct, ec)) return direct;
    if (std::filesystem::is_regular_file(parent, ec)) return parent;
    throw Error("task " + task + ": neither " + direct.string() + " nor " + parent.string() +
                " exists");
}

}  // namespace lamina
