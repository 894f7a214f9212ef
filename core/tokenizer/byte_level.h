#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lamina {

// GPT-2's reversible byte ↔ printable-character table: printable ASCII and most of
// Latin-1 map to themselves, the other 68 bytes to U+0100 onwards.
class ByteLevelTable {
public:
    static const ByteLevelTable& instance();

    // Every byte of `text` as its printable character, UTF-8 encoded.
    std::string encode(std::string_view text) const;

    // The bytes behind `token`'s characters; false (and `out` untouched) when some character
    // is not in the table.
    bool decode(std::string_view token, std::string& out) const;

private:
    ByteLevelTable();
    std::array<char32_t, 256> mByteToChar{};
    std::array<int16_t, 512> mCharToByte{};  // all table characters lie below U+0200
};

}  // namespace lamina
