#include "tokenizer/tokenizer_for_model.h"

#include "common/error.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {
std::unique_ptr<Tokenizer> loadByExtension(const fs::path& path, int64_t vocabSize) {
    if (path.extension() == ".json") return loadHfTokenizer(path);
    return loadLlama2cTokenizer(path, vocabSize);
}
}  // namespace

std::unique_ptr<Tokenizer> tokenizerForModel(const fs::path& modelPath, int64_t vocabSize,
                                             const fs::path& explicitPath) {
    if (!explicitPath.empty()) {
        if (fs::is_directory(explicitPath)) {
            return loadHfTokenizer(explicitPath / "tokenizer.json");
        }
        return loadByExtension(explicitPath, vocabSize);
    }
    std::vector<fs::path> candidates;
    if (fs::is_directory(modelPath)) {
        candidates = {modelPath / "tokenizer.json"};
    } else {
        const fs::path dir = modelPath.parent_path();
        candidates = {dir / "tokenizer.bin", dir / ("tok" + std::to_string(vocabSize) + ".bin")};
    }
    std::string tried;
    for (const auto& c : candidates) {
        if (fs::exists(c)) return loadByExtension(c, vocabSize);
        tried += (tried.empty() ? "" : ", ") + c.string();
    }
    throw Error(modelPath.string() + ": no tokenizer found (looked for " + tried +
                "); pass one with --tokenizer");
}

}  // namespace lamina
