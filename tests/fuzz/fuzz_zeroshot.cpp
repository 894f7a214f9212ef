// Zero-shot task JSONL, read under every task spec: items must be well formed (one request
// per candidate, gold in range).

#include "data/zeroshot_tasks.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto path = lamina::fuzz::writeInput("task.jsonl", data, size);
    for (const lamina::TaskSpec& spec : lamina::zeroShotTasks()) {
        for (const int64_t limit : {int64_t{0}, int64_t{1}}) {
            lamina::fuzz::expectOnlyLaminaErrors([&] {
                const lamina::ZeroShotTask task = lamina::readZeroShotTask(spec, path, limit);
                FUZZ_CHECK(task.spec == &spec);
                FUZZ_CHECK(!task.items.empty());
                FUZZ_CHECK(task.totalItems >= static_cast<int64_t>(task.items.size()));
                FUZZ_CHECK(limit == 0 || static_cast<int64_t>(task.items.size()) <= limit);
                for (const lamina::ZeroShotItem& item : task.items) {
                    FUZZ_CHECK(!item.contexts.empty());
                    FUZZ_CHECK(item.contexts.size() == item.continuations.size());
                    FUZZ_CHECK(item.choiceLengths.size() == item.contexts.size());
                    FUZZ_CHECK(item.gold >= 0 &&
                               item.gold < static_cast<int64_t>(item.contexts.size()));
                }
            });
        }
    }
    return 0;
}
