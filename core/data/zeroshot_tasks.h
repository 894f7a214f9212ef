#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace lamina {

/// How a task's items turn into log-likelihood requests (lm-evaluation-harness 0.4).
enum class TaskFormat {
    MultipleChoice,  ///< {"query","choices","gold"}: context = query, continuations " "+choice
    PartialContext,  ///< WinoGrande {"context_options","continuation","gold"}: one context per
                     ///< option, the shared continuation " "+continuation is scored
    GreedyTarget,    ///< LAMBADA {"context","continuation"}: greedy match + target perplexity
};

/// A task Lamina knows: its file and the metrics lm-evaluation-harness reports for it.
struct TaskSpec {
    const char* name;      ///< "arc_easy", ...
    const char* fileName;  ///< "arc_easy.jsonl"
    TaskFormat format;
    bool hasAccNorm;       ///< lm-eval lists acc_norm for this task
};

/// Every known zero-shot task, in a stable order.
const std::vector<TaskSpec>& zeroShotTasks();
/// The task called `name`, or nullptr.
const TaskSpec* findZeroShotTask(const std::string& name);

/// One question: request i scores `continuations[i]` after `contexts[i]`. `choiceLengths[i]`
/// is the length in characters (Unicode code points, Python's len) of the choice string
/// without the leading space: acc_norm divides by it (lm-eval's completion_len).
struct ZeroShotItem {
    std::vector<std::string> contexts;
    std::vector<std::string> continuations;
    std::vector<int64_t> choiceLengths;
    int64_t gold = 0;
};

struct ZeroShotTask {
    const TaskSpec* spec = nullptr;
    std::filesystem::path file;
    std::string contentHash;  ///< 16 hex digits of the file bytes
    int64_t totalItems = 0;   ///< items in the file (before the limit)
    std::vector<ZeroShotItem> items;
};

/// Where a task's data lives: `dataDir/<file>` or `dataDir/zeroshot/<file>` (so the data root
/// and its zeroshot/ folder both work). Throws `Error` naming both paths when neither exists.
std::filesystem::path zeroShotTaskPath(const TaskSpec& spec, const std::filesystem::path& dataDir);

/// Reads a task's JSONL file and keeps its first `limit` items (0: all). Throws `Error` naming
/// the file, the line and the field for malformed rows, a gold index out of range, or a file
/// without items.
ZeroShotTask readZeroShotTask(const TaskSpec& spec, const std::filesystem::path& file,
                              int64_t limit = 0);

/// Unicode code points in UTF-8 `text` (Python's len): the bytes that do not continue a
/// multi-byte sequence.
int64_t codePointLength(const std::string& text);

}  // namespace lamina
