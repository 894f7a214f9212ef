#include "model/rope.h"

#include <cmath>

namespace lamina {

at::Tensor ropeInverseFrequencies(const ModelConfig& c) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    // base ** (arange(0, dim, 2).float() / dim), in float32 like the reference.
    at::Tensor exponent = at::arange(0, c.headDim, 2, at::TensorOptions().dtype(at::kLong))
                              .to(at::kFloat)
                              .div(static_cast<double>(c.headDim));
    at::Tensor invFreq = at::pow(at::scalar_tensor(c.ropeTheta, f32), exponent).reciprocal();
    const RopeScaling& s = c.ropeScaling;
    switch (s.type) {
        case RopeScaling::Type::None:
            break;
        case RopeScaling::Type::Linear:
            invFreq = invFreq / s.factor;
            break;
        case RopeScaling::Type::Factors:
            invFreq = invFreq / at::tensor(s.factors, at::TensorOptions().dtype(at::kDouble)).to(at::kFloat);
            break;
        case RopeScaling::Type::Llama3: {
            const double oldContext = static_cast<double>(s.originalMaxPositions);
            const double lowFreqWavelen = oldContext / s.lowFreqFactor;
            const double highFreqWavelen = oldContext / s.highFreqFactor;
            const at::Tensor wavelen = (2 * M_PI) / invFreq;
            at::Tensor scaled = at::where(wavelen > lowFreqWavelen, invFreq / s.factor, invFreq);
            const at::Tensor smooth =
                (oldContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
            const at::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
            const at::Tensor medium =
                (wavelen >= highFreqWavelen).logical_and(wavelen <= lowFreqWavelen);
            invFreq = at::where(medium, smoothed, scaled);
            break;
        }
    }
    return invFreq;
}

RopeTable makeRopeTable(const ModelConfig& config, int64_t length, const at::TensorOptions& like,
                        int64_t start) {
    const at::Tensor invFreq = ropeInverseFrequencies(config);  // (hd/2)
    const at::Tensor positions =
        at::arange(start, start + length, at::TensorOptions().dtype(at::kLong)).to(at::kFloat);
    const at::Tensor freqs = at::outer(positions, invFreq);  // (T, hd/2)
    const at::Tensor emb = at::cat({freqs, freqs}, -1);      // (T, hd)
    return {emb.cos().to(like), emb.sin().to(like)};
}

at::Tensor applyRope(const at::Tensor& x, const RopeTable& rope) {
    const int64_t half = x.size(-1) / 2;
    const at::Tensor x1 = x.narrow(-1, 0, half);
    const at::Tensor x2 = x.narrow(-1, half, half);
    const at::Tensor rotated = at::cat({-x2, x1}, -1);
    const at::Tensor cos = rope.cos.unsqueeze(1), sin = rope.sin.unsqueeze(1);  // (T,1,hd)
    return x * cos + rotated * sin;
}

}  // namespace lamina
