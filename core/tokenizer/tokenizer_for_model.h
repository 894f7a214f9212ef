#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "tokenizer/tokenizer.h"

namespace lamina {

// The tokenizer that belongs to the model at `modelPath`: `tokenizer.json` in a Hugging Face
// directory; for a llama2.c checkpoint `tokenizer.bin` or `tok<vocab>.bin` beside it.
// `explicitPath` (a tokenizer.json or llama2.c .bin) overrides the search. Throws `Error`
// saying where it looked when none is found.
/// Where tokenizerForModel looks: the first candidate that exists, or nullopt (with the
/// candidates tried in `tried`, comma-separated, when given).
std::optional<std::filesystem::path> tokenizerFileForModel(const std::filesystem::path& modelPath,
                                                           int64_t vocabSize,
                                                           std::string* tried = nullptr);

std::unique_ptr<Tokenizer> tokenizerForModel(const std::filesystem::path& modelPath,
                                             int64_t vocabSize,
                                             const std::filesystem::path& explicitPath = {});

}  // namespace lamina
