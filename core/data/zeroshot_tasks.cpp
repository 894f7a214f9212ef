#include "data/zeroshot_tasks.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fnv_hash.h"
#include "common/json_field.h"
#include "common/mapped_file.h"

namespace lamina {

const std::vector<TaskSpec>& zeroShotTasks() {
    // Metric lists as in lm-evaluation-harness 0.4's task YAMLs.
    static const std::vector<TaskSpec> tasks = {
        {"boolq", "boolq.jsonl", TaskFormat::MultipleChoice, false},
        {"piqa", "piqa.jsonl", TaskFormat::MultipleChoice, true},
        {"hellaswag", "hellaswag.jsonl", TaskFormat::MultipleChoice, true},
        {"winogrande", "winogrande.jsonl", TaskFormat::PartialContext, false},
        {"arc_easy", "arc_easy.jsonl", TaskFormat::MultipleChoice, true},
        {"arc_challenge", "arc_challenge.jsonl", TaskFormat::MultipleChoice, true},
        {"openbook_qa", "openbook_qa.jsonl", TaskFormat::MultipleChoice, true},
        {"copa", "copa.jsonl", TaskFormat::MultipleChoice, false},
        {"lambada_openai", "lambada_openai.jsonl", TaskFormat::GreedyTarget, false},
    };
    return tasks;
}

const TaskSpec* findZeroShotTask(const std::string& name) {
    for (const TaskSpec& t : zeroShotTasks()) {
        if (name == t.name) return &t;
    }
    return nullptr;
}

std::filesystem::path zeroShotTaskPath(const TaskSpec& spec, const std::filesystem::path& dataDir) {
    const std::filesystem::path direct = dataDir / spec.fileName;
    const std::filesystem::path nested = dataDir / "zeroshot" / spec.fileName;
    std::error_code ec;
    if (std::filesystem::is_regular_file(direct, ec)) return direct;
    if (std::filesystem::is_regular_file(nested, ec)) return nested;
    throw Error(std::string("task ") + spec.name + ": neither " + direct.string() + " nor " +
                nested.string() + " exists");
}

int64_t codePointLength(const std::string& text) {
    int64_t n = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    }
    return n;
}

namespace {

int64_t readGold(const JsonField& row, int64_t choices) {
    const JsonField gold = row["gold"];
    const int64_t g = gold.integer();
    if (g < 0 || g >= choices) {
        gold.fail("gold index " + std::to_string(g) + " outside the " + std::to_string(choices) +
                  " choices");
    }
    return g;
}

std::vector<std::string> readStrings(const JsonField& list, std::size_t minCount) {
    const std::size_t n = list.arraySize();
    if (n < minCount) list.fail("expected at least " + std::to_string(minCount) + " entries");
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(list.at(i).string());
    return out;
}

ZeroShotItem parseItem(TaskFormat format, const JsonField& row) {
    row.requireObject();
    ZeroShotItem item;
    switch (format) {
        case TaskFormat::MultipleChoice: {
            const std::string query = row["query"].string();
            for (const std::string& choice : readStrings(row["choices"], 2)) {
                item.contexts.push_back(query);
                item.continuations.push_back(" " + choice);
                item.choiceLengths.push_back(codePointLength(choice));
            }
            item.gold = readGold(row, static_cast<int64_t>(item.contexts.size()));
            break;
        }
        case TaskFormat::PartialContext: {
            const std::string continuation = row["continuation"].string();
            for (const std::string& context : readStrings(row["context_options"], 2)) {
                item.contexts.push_back(context);
                item.continuations.push_back(" " + continuation);
                item.choiceLengths.push_back(codePointLength(continuation));
            }
            item.gold = readGold(row, static_cast<int64_t>(item.contexts.size()));
            break;
        }
        case TaskFormat::GreedyTarget: {
            const std::string target = row["continuation"].string();
            if (target.empty()) row["continuation"].fail("empty target");
            item.contexts.push_back(row["context"].string());
            item.continuations.push_back(" " + target);
            item.choiceLengths.push_back(codePointLength(target));
            item.gold = 0;
            break;
        }
    }
    return item;
}

}  // namespace

ZeroShotTask readZeroShotTask(const TaskSpec& spec, const std::filesystem::path& file,
                              int64_t limit) {
    const std::string text = readTextFile(file, std::size_t{1} << 30);
    ZeroShotTask task;
    task.spec = &spec;
    task.file = file;
    task.contentHash = fnv1aHex(text);
    const std::string name = file.string();
    std::size_t pos = 0;
    int64_t lineNumber = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) end = text.size();
        const std::string_view line(text.data() + pos, end - pos);
        pos = end + 1;
        ++lineNumber;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        ++task.totalItems;
        if (limit > 0 && static_cast<int64_t>(task.items.size()) >= limit) continue;
        const std::string where = name + ":" + std::to_string(lineNumber);
        const nlohmann::json row = parseJson(line, where);
        task.items.push_back(parseItem(spec.format, JsonField(row, where)));
    }
    if (task.items.empty()) throw Error(name + ": no items (an empty task file)");
    return task;
}

}  // namespace lamina
