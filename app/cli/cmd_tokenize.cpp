#include <cstdio>
#include <filesystem>

#include "args.h"
#include "commands.h"
#include "console.h"
#include "model/model_summary.h"
#include "tokenizer/tokenizer_for_model.h"

namespace lamina::cli {

namespace fs = std::filesystem;

namespace {

// MODEL may be a model directory, a llama2.c checkpoint, or a tokenizer file itself.
std::unique_ptr<Tokenizer> openTokenizer(const fs::path& path, const Args& args) {
    const fs::path explicitPath = args.valueOr("tokenizer", "");
    if (explicitPath.empty() && path.extension() == ".json") return loadHfTokenizer(path);
    const ModelSummary s = describeModel(path);
    return tokenizerForModel(path, s.config.vocabSize, explicitPath);
}

}  // namespace

int runTokenize(const std::vector<std::string>& argv) {
    const Args args(argv, {"text", "tokenizer"}, {"json", "no-special"});
    const auto tokenizer = openTokenizer(args.positional("MODEL|TOKENIZER"), args);
    const std::string text = args.required("text");
    const auto ids = tokenizer->encode(text, !args.flag("no-special"));
    if (args.flag("json")) {
        nlohmann::json tokens = nlohmann::json::array();
        for (TokenId id : ids) tokens.push_back(tokenizer->idToToken(id));
        printJson({{"ids", ids}, {"tokens", tokens}});
        return 0;
    }
    for (std::size_t i = 0; i < ids.size(); ++i) {
        std::printf("%d\t%s\n", ids[i], tokenizer->idToToken(ids[i]).c_str());
    }
    return 0;
}

}  // namespace lamina::cli
