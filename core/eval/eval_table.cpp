#include "eval/eval_table.h"

#include <cstdio>

#include "common/text_file.h"

namespace lamina {

namespace {

std::string field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string quoted = "\"";
    for (const char c : s) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
    return quoted + "\"";
}

std::string number(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

}  // namespace

std::string evaluationCsv(const std::vector<EvalTableRow>& rows) {
    std::string text = "subject,task,metric,value,stderr,items\n";
    for (const EvalTableRow& r : rows) {
        const TaskOutcome& t = *r.outcome;
        const MetricValue& m = t.headline();
        text += field(r.subject) + ',' + field(t.task.name) + ',' + field(t.task.metric) + ',' + number(m.value) +
                ',' + number(m.standardError) + ',' + std::to_string(t.items) + '\n';
    }
    return text;
}

void writeEvaluationCsv(const std::filesystem::path& path, const std::vector<EvalTableRow>& rows) {
    writeTextFileAtomically(path, evaluationCsv(rows), "the table");
}

}  // namespace lamina
