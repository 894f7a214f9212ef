#include "eval/perplexity.h"

#include <ATen/ATen.h>

#include <cmath>

#include "common/error.h"
#include "common/shared_work.h"
#include "data/window_ids.h"

namespace lamina {

PerplexityResult evaluatePerplexity(const Model& model, const TokenWindows& windows,
                                    const Ablation& ablation, int64_t batchSize,
                                    const ProgressFn& progress, int64_t scoreFrom) {
    if (windows.numWindows == 0) throw Error("perplexity: no windows to evaluate");
    if (scoreFrom < 0 || scoreFrom >= windows.seqLen - 1) {
        throw Error("perplexity: scoring from position " + std::to_string(scoreFrom) +
                    " leaves nothing to score in windows of " + std::to_string(windows.seqLen));
    }
    batchSize = std::max<int64_t>(1, batchSize);
    const at::Tensor all = windowIds(windows);
    PerplexityResult r;
    double nllSum = 0;
    int64_t count = 0;
    reportProgress(progress, 0, windows.numWindows);
    for (int64_t start = 0; start < windows.numWindows; start += batchSize) {
        const int64_t n = std::min(batchSize, windows.numWindows - start);
        const at::Tensor ids = all.narrow(0, start, n);
        const at::Tensor h =
            runBlocks(model, embedTokens(model, ids), 0, model.numLayers(), ablation);
        const at::Tensor nll =  // (n, T-1-scoreFrom)
            nextTokenNll(model, h, ids).narrow(1, scoreFrom, windows.seqLen - 1 - scoreFrom);
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

PerplexityResult evaluatePerplexityShared(const Collective* group, const Model& model,
                                          const TokenWindows& windows, int64_t batchSize,
                                          const ProgressFn& progress) {
    if (groupSize(group) <= 1) return evaluatePerplexity(model, windows, {}, batchSize, progress);
    if (windows.numWindows == 0) throw Error("perplexity: no windows to evaluate");
    batchSize = std::max<int64_t>(1, batchSize);
    const auto batches = static_cast<std::size_t>((windows.numWindows + batchSize - 1) / batchSize);
    std::vector<std::size_t> widths(batches);
    for (std::size_t j = 0; j < batches; ++j) {
        widths[j] = static_cast<std::size_t>(std::min(batchSize, windows.numWindows - static_cast<int64_t>(j) * batchSize));
    }
    const std::vector<std::size_t> mine = ownedJobs(group, batches);
    std::vector<double> myWindowNll;
    int64_t done = 0;
    reportProgress(progress, 0, static_cast<int64_t>(mine.size()));
    for (const std::size_t j : mine) {
        TokenWindows part;
        part.numWindows = static_cast<int64_t>(widths[j]);
        part.seqLen = windows.seqLen;
        const auto from = windows.ids.begin() + static_cast<std::ptrdiff_t>(j * static_cast<std::size_t>(batchSize * windows.seqLen));
        part.ids.assign(from, from + part.numWindows * windows.seqLen);
        const PerplexityResult r = evaluatePerplexity(model, part, {}, batchSize);
        myWindowNll.insert(myWindowNll.end(), r.windowNll.begin(), r.windowNll.end());
        reportProgress(progress, ++done, static_cast<int64_t>(mine.size()));
    }
    PerplexityResult r;
    r.windowNll = gatherJobs(group, widths, myWindowNll);
    double sum = 0;
    for (const double w : r.windowNll) sum += w;
    r.meanNll = sum / static_cast<double>(windows.numWindows);
    r.perplexity = std::exp(r.meanNll);
    r.windows = windows.numWindows;
    r.tokens = windows.numWindows * (windows.seqLen - 1);
    return r;
}

}  // namespace lamina
