#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "data/token_windows.h"

namespace lamina {

/// One entry of an evaluation: a zero-shot task with the metric that counts for it (the
/// others are computed and stored too), or a perplexity text.
struct EvalTask {
    std::string name;    ///< "hellaswag", ... or "wikitext2" | "ptb" | "tinystories"
    std::string metric;  ///< "acc" | "acc_norm" | "ppl"
    bool perplexity = false;
};

/// An evaluation protocol (methods.md "Evaluation protocols"): which tasks, which metric per
/// task, and how perplexity texts are windowed. Zero-shot requests never get BOS unless
/// `zeroShotBos` (lm-evaluation-harness 0.4's default for causal LMs).
struct EvalProtocol {
    std::string name;  ///< "llm-pruner" | "finercut" | "sleb" | "custom"
    std::vector<EvalTask> tasks;
    int64_t seqLen = 128;          ///< perplexity window T
    BosPolicy bos = BosPolicy::First;
    int64_t maxWindows = 0;        ///< perplexity windows per text (0: all)
    bool zeroShotBos = false;
};

/// Presets: "llm-pruner" (WikiText-2 and PTB perplexity at T = 128; BoolQ, PIQA, WinoGrande,
/// ARC-e with acc and HellaSwag, ARC-c, OBQA with acc_norm), "finercut" (the same seven tasks
/// plus LAMBADA, acc_norm wherever lm-eval has it), "sleb" (WikiText-2 perplexity at T = 2048).
/// Throws `Error` listing the presets for an unknown name.
EvalProtocol evalPreset(const std::string& name);

/// A custom task list, comma-separated: zero-shot task names (optionally "task:metric") and
/// perplexity texts. Without ":metric" a zero-shot task counts acc_norm where lm-eval reports
/// it, else acc. Throws `Error` naming the unknown task or metric.
std::vector<EvalTask> parseEvalTasks(const std::string& list);

/// Names accepted by parseEvalTasks, for messages and help.
std::vector<std::string> evalTaskNames();

/// The text file of a perplexity task under `dataDir` (the data root, or its zeroshot/ folder):
/// wikitext2/test.txt, ptb/test.txt, tinystories/eval.txt. Throws `Error` naming the paths.
std::filesystem::path perplexityTextPath(const std::string& task, const std::filesystem::path& dataDir);

}  // namespace lamina
