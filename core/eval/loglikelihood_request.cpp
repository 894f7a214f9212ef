#include "eval/loglikelihood_request.h"

#include "common/error.h"
#include "tokenizer/utf8.h"

namespace lamina {

namespace {

// Python's str.isspace(), which decides what `context.rstrip()` removes.
bool isPythonSpace(char32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 ||
           cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

// Byte length of `text` without its trailing whitespace (valid UTF-8 assumed; an invalid
// string is left as it is).
std::size_t rstripLength(const std::string& text) {
    if (!utf8::isValid(text)) return text.size();
    std::size_t pos = 0, kept = 0;
    while (pos < text.size()) {
        if (!isPythonSpace(utf8::next(text, pos))) kept = pos;
    }
    return kept;
}

}  // namespace

LoglikelihoodRequest encodeRequest(const Tokenizer& tokenizer, const std::string& context,
                                   const std::string& continuation, const RequestEncoding& enc) {
    LoglikelihoodRequest r;
    std::vector<TokenId> ctxIds;
    if (context.empty()) {  // lm-eval scores the continuation alone after the prefix token
        r.continuation = tokenizer.encode(continuation, false);
    } else {
        const std::size_t kept = rstripLength(context);
        const std::string ctx = context.substr(0, kept);
        const std::string cont = context.substr(kept) + continuation;
        const std::vector<TokenId> whole = tokenizer.encode(ctx + cont, false);
        ctxIds = tokenizer.encode(ctx, false);
        const std::size_t split = std::min(ctxIds.size(), whole.size());
        r.continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(split), whole.end());
    }
    if (r.continuation.empty()) {
        throw Error("the continuation '" + continuation + "' adds no tokens to its context");
    }
    if (enc.prependBos) r.context.push_back(enc.bos);
    r.context.insert(r.context.end(), ctxIds.begin(), ctxIds.end());
    if (r.context.empty()) r.context.push_back(enc.bos);  // lm-eval's prefix token
    return r;
}

}  // namespace lamina
