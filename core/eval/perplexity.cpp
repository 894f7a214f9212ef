#include "eval/perplexity.h"

#include <ATen/ATen.h>

#include <cmath>

#include "common/error.h"

namespace lamina {

PerplexityResult evaluatePerplexity(const Model& model, const TokenWindows& windows,
                                    const Ablation& ablation, int64_t batchSize,
                                    const ProgressFn& progress) {
    if (windows.numWindows == 0) throw Error("perplexity: no windows to evaluate");
    batchSize = std::max<int64_t>(1, batchSize);
    const at::Tensor all = at::tensor(windows.ids, at::TensorOptions().dtype(at::kInt))
                               .to(at::kLong)
                               .view({windows.numWindows, windows.seqLen});
    PerplexityResult r;
    double nllSum = 0;
    int64_t count = 0;
    reportProgress(progress, 0, windows.numWindows);
    for (int64_t start = 0; start < windows.numWindows; start += batchSize) {
        const int64_t n = std::min(batchSize, windows.numWindows - start);
        const at::Tensor ids = all.narrow(0, start, n);
        const at::Tensor h =
            runBlocks(model, embedTokens(model, ids), 0, model.numLayers(), ablation);
        const at::Tensor nll = nextTokenNll(model, h, ids);  // (n, T-1)
        nllSum += nll.sum(at::kDouble).item<double>();
        const at::Tensor perWindow = nll.to(at::kDouble).mean(1).cpu().contiguous();
        r.windowNll.insert(r.windowNll.end(), perWindow.data_ptr<double>(),
                           perWindow.data_ptr<double>() + n);
        count += nll.numel();
        reportProgress(progress, start + n, windows.numWindows);
    }
    r.meanNll = nllSum / static_cast<double>(count);
    r.perplexity = std::exp(r.meanNll);
    r.tokens = count;
    r.windows = windows.numWindows;
    return r;
}

}  // namespace lamina
