#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lamina {

// (left id, right id) → (rank, merged id) in one flat open-addressing table.
class MergeTable {
public:
    struct Merge {
        int32_t rank;
        TokenId newId;
    };

    void reserve(std::size_t count);
    // Adds or overwrites the pair's entry.
    void insert(TokenId left, TokenId right, Merge merge);
    const Merge* find(TokenId left, TokenId right) const {
        if (mSlots.empty()) return nullptr;
        const uint64_t key = keyOf(left, right);
        const std::size_t mask = mSlots.size() - 1;
        for (std::size_t i = mix(key) & mask; mSlots[i].merge.rank >= 0; i = (i + 1) & mask) {
            if (mSlots[i].key == key) return &mSlots[i].merge;
        }
        return nullptr;
    }

private:
    struct Slot {
        uint64_t key = 0;
        Merge merge{-1, -1};  // rank -1: empty
    };

    static uint64_t keyOf(TokenId left, TokenId right) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) |
               static_cast<uint32_t>(right);
    }
    static uint64_t mix(uint64_t x) {  // splitmix64 finalizer
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
    }

    std::vector<Slot> mSlots;
    std::size_t mCount = 0;
};

}  // namespace lamina
