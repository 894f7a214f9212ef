#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

class JsonField;

// A `post_processor` of tokenizer.json, reduced to what it does to the ids of one sequence.
class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    virtual void process(std::vector<TokenId>& ids, bool addSpecialTokens) const = 0;
    // The id it puts first, if any (the BOS fallback when tokenizer_config.json has none).
    virtual std::optional<TokenId> leadingSpecialId() const { return std::nullopt; }
};

// Builds the post-processor described by `field` (null → nullptr); its ids must lie below
// `vocabSize`. Throws `Error` on unsupported or malformed components.
std::unique_ptr<PostProcessor> parsePostProcessor(const JsonField& field, int64_t vocabSize,
                                                  int depth = 0);

}  // namespace lamina
