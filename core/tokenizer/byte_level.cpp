#include "tokenizer/byte_level.h"

#include "tokenizer/utf8.h"

namespace lamina {

ByteLevelTable::ByteLevelTable() {
    mCharToByte.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
        const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
        const char32_t c = printable ? static_cast<char32_t>(b) : next++;
        mByteToChar[b] = c;
        mCharToByte[c] = static_cast<int16_t>(b);
    }
}

const ByteLevelTable& ByteLevelTable::instance() {
    static const ByteLevelTable table;
    return table;
}

std::string ByteLevelTable::encode(std::string_view text) const {
    std::string out;
    out.reserve(text.size() * 2);
    for (const char c : text) utf8::append(out, mByteToChar[static_cast<unsigned char>(c)]);
    return out;
}

bool ByteLevelTable::decode(std::string_view token, std::string& out) const {
    std::string bytes;
    bytes.reserve(token.size());
    std::size_t pos = 0;
    while (pos < token.size()) {
        const char32_t c = utf8::next(token, pos);
        if (c >= mCharToByte.size() || mCharToByte[c] < 0) return false;
        bytes += static_cast<char>(mCharToByte[c]);
    }
    out += bytes;
    return true;
}

}  // namespace lamina
