#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace lamina {

struct SimilarityOptions {
    bool linear = false;    ///< exact linear CKA (biased HSIC) on at most maxExactTokens
    bool unbiased = false;  ///< minibatch CKA with the unbiased HSIC, every token, bounded memory
    bool rbf = false;       ///< exact RBF CKA on at most maxRbfTokens (n² kernel per site)
    bool cosine = false;    ///< mean per-token cosine and angular distance, every token
    double rbfSigmaFraction = 0.8;
    int64_t minibatchTokens = 256;
    int64_t maxExactTokens = 2048;
    int64_t maxRbfTokens = 1024;
};

/// Streams representations of R sites (e.g. h_0 … h_L) chunk by chunk and produces R × R
/// similarity matrices. Memory: the streaming measures keep O(R² + R·m²) numbers for a
/// minibatch of m tokens; the exact CKAs keep at most maxExactTokens tokens per site (every
/// k-th token, evenly spaced over the whole set) — the one place where all sites are held.
class SimilarityAccumulator {
public:
    /// `totalTokens`: how many tokens `add` will see in all (sets the exact-CKA stride).
    SimilarityAccumulator(int64_t numSites, int64_t totalTokens, const SimilarityOptions& options);

    /// One chunk: `sites[r]` is (m, d_r) for the same m tokens at every site.
    void add(const std::vector<at::Tensor>& sites);

    /// Float64 (R, R) matrices keyed cka_linear / cka_unbiased / cka_rbf / cosine /
    /// angular_distance, for the measures requested. Call once, after the last `add`.
    std::map<std::string, at::Tensor> finish();

    int64_t exactTokens() const { return mExactKept; }
    int64_t rbfTokens() const { return mRbfTokens; }
    int64_t tokensSeen() const { return mSeen; }

private:
    void flushMinibatch();

    int64_t mSites;
    SimilarityOptions mOptions;
    int64_t mStride;
    int64_t mSeen = 0;
    int64_t mExactKept = 0;
    int64_t mRbfTokens = 0;
    std::vector<std::vector<at::Tensor>> mExact;    // per site: kept token rows (float32)
    std::vector<std::vector<at::Tensor>> mPending;  // per site: tokens awaiting a minibatch
    int64_t mPendingTokens = 0;
    at::Tensor mHsic;                 // (R, R) sums of unbiased HSIC over minibatches
    int64_t mMinibatches = 0;
    at::Tensor mCosSum, mAngleSum;    // (R, R) per-token sums
};

}  // namespace lamina
