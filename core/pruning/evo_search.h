#pragma once

// The pieces of the evolutionary search (methods/evo.cpp) that need no model: configurations
// as masks over the candidate units, their mutation and the random draws, all from one
// seeded generator (std::mt19937_64 is specified bit for bit by the standard).

#include <cstdint>
#include <random>
#include <vector>

namespace lamina::evo {

/// mask[i] != 0: candidate unit i is removed.
using Mask = std::vector<char>;
using Rng = std::mt19937_64;

/// Uniform in [0, n) (n ≥ 1).
int64_t below(Rng& rng, int64_t n);
/// k of n units removed, uniformly.
Mask randomMask(int64_t n, int64_t k, Rng& rng);
/// Swaps per offspring: the smaller of two uniform draws in [1, maxMutations] (EvoPress: a
/// bias towards few).
int64_t drawSwaps(int64_t maxMutations, Rng& rng);
/// `parent` with `swaps` removed units each exchanged for a kept one (the count stays).
Mask mutate(const Mask& parent, int64_t swaps, Rng& rng);
/// `count` distinct windows of [0, total), ascending.
std::vector<int64_t> drawWindows(int64_t total, int64_t count, Rng& rng);
/// EvoPress's generations for n units of which k are removed: k(n−k)/1.5, at least 1.
int64_t defaultGenerations(int64_t n, int64_t k);
int64_t removedCount(const Mask& mask);

}  // namespace lamina::evo
