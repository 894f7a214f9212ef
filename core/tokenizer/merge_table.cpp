#include "tokenizer/merge_table.h"

namespace lamina {

void MergeTable::reserve(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;  // load factor at most 1/2
    if (capacity <= mSlots.size()) return;
    std::vector<Slot> old = std::move(mSlots);
    mSlots.assign(capacity, Slot{});
    const std::size_t mask = capacity - 1;
    for (const Slot& slot : old) {
        if (slot.merge.rank < 0) continue;
        std::size_t i = mix(slot.key) & mask;
        while (mSlots[i].merge.rank >= 0) i = (i + 1) & mask;
        mSlots[i] = slot;
    }
}

void MergeTable::insert(TokenId left, TokenId right, Merge merge) {
    if ((mCount + 1) * 2 > mSlots.size()) reserve(mCount + 1 > 8 ? (mCount + 1) * 2 : 8);
    const uint64_t key = keyOf(left, right);
    const std::size_t mask = mSlots.size() - 1;
    std::size_t i = mix(key) & mask;
    while (mSlots[i].merge.rank >= 0) {
        if (mSlots[i].key == key) {
            mSlots[i].merge = merge;
            return;
        }
        i = (i + 1) & mask;
    }
    mSlots[i] = {key, merge};
    ++mCount;
}

}  // namespace lamina
