#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

// String → id map for large vocabularies: keys live in one arena, slots in one flat
// open-addressing table (far fewer allocations and cache misses than std::unordered_map).
class VocabIndex {
public:
    void reserve(std::size_t count);
    // Adds or overwrites `key`.
    void insert(std::string_view key, TokenId id);
    std::optional<TokenId> find(std::string_view key) const;
    std::size_t size() const { return mCount; }

    // Calls `fn(key, id)` for every entry.
    template <typename Fn>
    void forEach(Fn&& fn) const {
        for (const Slot& slot : mSlots) {
            if (slot.id >= 0) fn(keyOf(slot), slot.id);
        }
    }

private:
    struct Slot {
        uint32_t hash = 0;
        uint32_t length = 0;
        std::size_t offset = 0;
        TokenId id = -1;  // -1: empty
    };

    static uint64_t hashOf(std::string_view key);
    std::string_view keyOf(const Slot& slot) const {
        return {mArena.data() + slot.offset, slot.length};
    }
    void grow();

    std::string mArena;
    std::vector<Slot> mSlots;
    std::size_t mCount = 0;
};

}  // namespace lamina
