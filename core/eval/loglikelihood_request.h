#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

/// One scoring request in tokens: the model reads `context` + `continuation` and the
/// continuation's tokens are scored.
struct LoglikelihoodRequest {
    std::vector<TokenId> context;
    std::vector<TokenId> continuation;
};

/// How requests are tokenized.
struct RequestEncoding {
    /// Prepend BOS to the context. lm-evaluation-harness 0.4 does not for causal LMs.
    bool prependBos = false;
    TokenId bos = 1;  ///< also the context of a request whose context text is empty
};

/// lm-evaluation-harness's `_encode_pair`: trailing spaces of the context move to the front of
/// the continuation; the pair is tokenized as one string and the continuation is what follows
/// the separately tokenized context (so a merge across the join is scored as the whole string
/// tokenizes). Throws `Error` when the continuation yields no tokens.
LoglikelihoodRequest encodeRequest(const Tokenizer& tokenizer, const std::string& context,
                                   const std::string& continuation, const RequestEncoding& enc);

}  // namespace lamina
