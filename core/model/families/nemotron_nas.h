#pragma once

#include <cstdint>
#include <optional>

namespace lamina {

/// FFN width of a DeciLM / Nemotron-NAS block from its `ffn_mult`, computed as the transformers
/// remote code (modeling_decilm.py), vLLM (nemotron_nas.py) and llama.cpp
/// (convert_hf_to_gguf.py, DeciModel) do: find_multiple(int(2·ffn_mult·hidden/3), 256).
int64_t ffnMultToIntermediateSize(double ffnMult, int64_t hiddenSize);

/// An `ffn_mult` (at most 6 decimals, as block_config.py rounds it) that maps back to exactly
/// `intermediateSize`; nullopt when none does (sizes that are not multiples of 256).
std::optional<double> intermediateSizeToFfnMult(int64_t intermediateSize, int64_t hiddenSize);

}  // namespace lamina
