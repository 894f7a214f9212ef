#pragma once

#include <memory>
#include <string>

namespace lamina {

class JsonField;

// A `normalizer` of tokenizer.json: rewrites (valid UTF-8) text in place.
class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual void normalize(std::string& text) const = 0;
};

// Builds the normalizer described by `field` (null → nullptr); throws `Error` on unsupported
// or malformed components.
std::unique_ptr<Normalizer> parseNormalizer(const JsonField& field, int depth = 0);

}  // namespace lamina
