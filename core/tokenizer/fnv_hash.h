#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace lamina {

// 64-bit FNV-1a of `bytes` as 16 lower-case hex digits (for tokenizer fingerprints).
inline std::string fnv1aHex(std::string_view bytes) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

}  // namespace lamina
