#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lamina {

class JsonField;

// One piece of text on its way to the model.
struct PreToken {
    std::string text;
    bool atStart = false;  // begins the original input (Metaspace's "first" scheme)
};

// A `pre_tokenizer` of tokenizer.json: splits (and may rewrite) pieces; never leaves empty
// pieces behind.
class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    virtual void preTokenize(std::vector<PreToken>& pieces) const = 0;
};

// Builds the pre-tokenizer described by `field` (null → nullptr); throws `Error` on
// unsupported or malformed components.
std::unique_ptr<PreTokenizer> parsePreTokenizer(const JsonField& field, int depth = 0);

}  // namespace lamina
