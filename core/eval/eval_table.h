#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "eval/eval_records.h"

namespace lamina {

/// One row of an evaluation table: what was evaluated ("unpruned", a plan's name) and a task.
struct EvalTableRow {
    std::string subject;
    const TaskOutcome* outcome = nullptr;
};

/// The rows as CSV (RFC 4180: a field with a comma, quote or line break is quoted, quotes
/// doubled): subject,task,metric,value,stderr,items; values with 10 significant digits.
std::string evaluationCsv(const std::vector<EvalTableRow>& rows);

/// evaluationCsv written atomically; throws `Error` naming the file.
void writeEvaluationCsv(const std::filesystem::path& path, const std::vector<EvalTableRow>& rows);

}  // namespace lamina
