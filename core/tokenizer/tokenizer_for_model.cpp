#include "tokenizer/tokenizer_for_model.h"

#include "common/error.h"
#include "model/gguf_file.h"
#include "tokenizer/gguf_vocab.h"

namespace lamina {

namespace fs = std::filesystem;

namespace {
std::unique_ptr<Tokenizer> loadByExtension(const fs::path& path, int64_t vocabSize) {
    if (path.extension() == ".json") return loadHfTokenizer(path);
    return loadLlama2cTokenizer(path, vocabSize);
}
}  // namespace

std::optional<fs::path> tokenizerFileForModel(const fs::path& modelPath, int64_t vocabSize,
                                              std::string* tried) {
    std::vector<fs::path> candidates;
    if (fs::is_directory(modelPath)) {
        candidates = {modelPath / "tokenizer.json"};
    } else {
        const fs::path dir = modelPath.parent_path();
        candidates = {dir / "tokenizer.bin", dir / ("tok" + std::to_string(vocabSize) + ".bin")};
    }
    for (const auto& c : candidates) {
        if (fs::exists(c)) return c;
        if (tried != nullptr) *tried += (tried->empty() ? "" : ", ") + c.string();
    }
    return std::nullopt;
}

std::unique_ptr<Tokenizer> tokenizerForModel(const fs::path& modelPath, int64_t vocabSize,
                                             const fs::path& explicitPath) {
    if (!explicitPath.empty()) {
        if (fs::is_directory(explicitPath)) {
            return loadHfTokenizer(explicitPath / "tokenizer.json");
        }
        return loadByExtension(explicitPath, vocabSize);
    }
    if (!fs::is_directory(modelPath) && probeGguf(modelPath)) return tokenizerFromGguf(modelPath);
    std::string tried;
    if (const auto found = tokenizerFileForModel(modelPath, vocabSize, &tried)) {
        return loadByExtension(*found, vocabSize);
    }
    throw Error(modelPath.string() + ": no tokenizer found (looked for " + tried +
                "); pass one with --tokenizer");
}

}  // namespace lamina
