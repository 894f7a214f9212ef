#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace lamina {

// Incremental 64-bit FNV-1a (fingerprints, cache keys). Not cryptographic: it identifies
// content, it does not authenticate it.
class Fnv1a {
public:
    Fnv1a& update(std::string_view bytes) {
        for (const char c : bytes) {
            mHash ^= static_cast<unsigned char>(c);
            mHash *= 0x100000001b3ULL;
        }
        return *this;
    }
    // Fields are separated so that ("ab","c") and ("a","bc") differ.
    Fnv1a& field(std::string_view bytes) { return update(bytes).update(std::string_view("\0", 1)); }
    Fnv1a& field(int64_t value) { return field(std::to_string(value)); }
    uint64_t value() const { return mHash; }
    std::string hex() const {
        char text[17];
        std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(mHash));
        return text;
    }

private:
    uint64_t mHash = 0xcbf29ce484222325ULL;
};

// 64-bit FNV-1a of `bytes` as 16 lower-case hex digits (tokenizer fingerprints, result keys).
inline std::string fnv1aHex(std::string_view bytes) { return Fnv1a().update(bytes).hex(); }

}  // namespace lamina
