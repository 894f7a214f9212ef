#include "tokenizer/vocab_index.h"

namespace lamina {

namespace {

std::size_t capacityFor(std::size_t count) {
    std::size_t capacity = 16;
    while (capacity < count * 2) capacity *= 2;  // load factor at most 1/2
    return capacity;
}

}  // namespace

uint64_t VocabIndex::hashOf(std::string_view key) {
    uint64_t hash = 0xcbf29ce484222325ULL;
    for (const char c : key) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash ^ (hash >> 29);
}

void VocabIndex::reserve(std::size_t count) {
    if (capacityFor(count) <= mSlots.size()) return;
    std::vector<Slot> old = std::move(mSlots);
    mSlots.assign(capacityFor(count), Slot{});
    const std::size_t mask = mSlots.size() - 1;
    for (const Slot& slot : old) {
        if (slot.id < 0) continue;
        std::size_t i = slot.hash & mask;
        while (mSlots[i].id >= 0) i = (i + 1) & mask;
        mSlots[i] = slot;
    }
}

void VocabIndex::insert(std::string_view key, TokenId id) {
    if ((mCount + 1) * 2 > mSlots.size()) reserve(mCount + 1 > 8 ? (mCount + 1) * 2 : 8);
    const auto hash = static_cast<uint32_t>(hashOf(key));
    const std::size_t mask = mSlots.size() - 1;
    std::size_t i = hash & mask;
    while (mSlots[i].id >= 0) {
        if (mSlots[i].hash == hash && keyOf(mSlots[i]) == key) {
            mSlots[i].id = id;
            return;
        }
        i = (i + 1) & mask;
    }
    mSlots[i] = {hash, static_cast<uint32_t>(key.size()), mArena.size(), id};
    mArena.append(key);
    ++mCount;
}

std::optional<TokenId> VocabIndex::find(std::string_view key) const {
    if (mSlots.empty()) return std::nullopt;
    const auto hash = static_cast<uint32_t>(hashOf(key));
    const std::size_t mask = mSlots.size() - 1;
    for (std::size_t i = hash & mask; mSlots[i].id >= 0; i = (i + 1) & mask) {
        if (mSlots[i].hash == hash && keyOf(mSlots[i]) == key) return mSlots[i].id;
    }
    return std::nullopt;
}

}  // namespace lamina
