#pragma once

#include <memory>
#include <string>
#include <vector>

namespace lamina {

class JsonField;

// A `decoder` of tokenizer.json: rewrites the list of token strings (tokenizers'
// `decode_chain`); the caller concatenates what is left.
class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void decodeChain(std::vector<std::string>& tokens) const = 0;
};

// Builds the decoder described by `field` (null → nullptr); throws `Error` on unsupported
// or malformed components.
std::unique_ptr<Decoder> parseDecoder(const JsonField& field, int depth = 0);

}  // namespace lamina
