#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lamina::utf8 {

// Decodes the code point at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next(std::string_view s, std::size_t& pos);

// Length in bytes of the (valid) UTF-8 sequence starting with `lead`.
std::size_t sequenceLength(unsigned char lead);

void append(std::string& out, char32_t cp);

// True when `s` is well-formed UTF-8.
bool isValid(std::string_view s);

// Like Rust's String::from_utf8_lossy: each maximal ill-formed subpart becomes U+FFFD.
std::string lossy(std::string_view s);

// Rust's char::is_whitespace (the Unicode White_Space property).
bool isWhitespace(char32_t cp);

// The regex crate's \w: letters, marks, decimal digits, connector punctuation, joiners.
bool isWordChar(char32_t cp);

}  // namespace lamina::utf8
