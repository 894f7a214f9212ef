#!/usr/bin/python3
"""Write a Llama-shaped Hugging Face checkpoint with random bf16 weights.

The default shape is TinyLlama-1.1B, so forward throughput can be measured at a realistic size
without downloading a model. Weights are random (normal(0, 0.02), norms = 1): the numbers are
meaningless, only the shapes and the arithmetic count.

    /usr/bin/python3 tests/bench/make_synthetic_model.py --out build/bench/synthetic-1b

Tensors are generated and written one at a time, so memory stays near the largest tensor.
The safetensors format is written here directly (no safetensors package on Debian).
"""

import argparse
import json
import shutil
import struct
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[2]
LLAMA2_TOKENIZER = ROOT.parent / "shared" / "tokenizers" / "llama2"


def tensor_specs(a):
    """(name, shape, is_norm) in Hugging Face order."""
    hd = a.hidden // a.heads
    specs = [("model.embed_tokens.weight", (a.vocab, a.hidden), False)]
    for i in range(a.layers):
        p = f"model.layers.{i}."
        specs += [
            (p + "input_layernorm.weight", (a.hidden,), True),
            (p + "self_attn.q_proj.weight", (a.heads * hd, a.hidden), False),
            (p + "self_attn.k_proj.weight", (a.kv_heads * hd, a.hidden), False),
            (p + "self_attn.v_proj.weight", (a.kv_heads * hd, a.hidden), False),
            (p + "self_attn.o_proj.weight", (a.hidden, a.heads * hd), False),
            (p + "post_attention_layernorm.weight", (a.hidden,), True),
            (p + "mlp.gate_proj.weight", (a.intermediate, a.hidden), False),
            (p + "mlp.up_proj.weight", (a.intermediate, a.hidden), False),
            (p + "mlp.down_proj.weight", (a.hidden, a.intermediate), False),
        ]
    specs += [("model.norm.weight", (a.hidden,), True),
              ("lm_head.weight", (a.vocab, a.hidden), False)]
    return specs


def numel(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def split_shards(specs, shard_bytes):
    """Greedy split in order, like transformers' max_shard_size."""
    shards, current, size = [], [], 0
    for spec in specs:
        nbytes = 2 * numel(spec[1])
        if current and size + nbytes > shard_bytes:
            shards.append(current)
            current, size = [], 0
        current.append(spec)
        size += nbytes
    shards.append(current)
    return shards


def write_shard(path, specs, gen):
    # Offsets are known from the shapes alone, so the header goes first and the data streams.
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape, _ in specs:
        nbytes = 2 * numel(shape)
        header[name] = {"dtype": "BF16", "shape": list(shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # data starts 8-byte aligned (spaces are valid JSON padding)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for _, shape, is_norm in specs:
            if is_norm:
                t = torch.ones(shape, dtype=torch.bfloat16)
            else:
                t = torch.empty(shape).normal_(0.0, 0.02, generator=gen).to(torch.bfloat16)
            f.write(t.view(torch.int16).numpy())  # buffer protocol: no extra copy
    return 8 + len(blob) + offset


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--layers", type=int, default=22)
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--intermediate", type=int, default=5632)
    ap.add_argument("--heads", type=int, default=32)
    ap.add_argument("--kv-heads", type=int, default=4)
    ap.add_argument("--vocab", type=int, default=32000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shard-gb", type=float, default=1.0)
    a = ap.parse_args()
    if a.hidden % a.heads or a.heads % a.kv_heads or (a.hidden // a.heads) % 2:
        ap.error("need hidden % heads == 0, heads % kv-heads == 0 and an even head dim")

    start = time.time()
    a.out.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu",
        "attention_bias": False, "mlp_bias": False, "initializer_range": 0.02,
        "pretraining_tp": 1, "use_cache": True, "rope_scaling": None, "rope_theta": 10000.0,
        "rms_norm_eps": 1e-05, "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "bfloat16",
        "vocab_size": a.vocab, "hidden_size": a.hidden, "intermediate_size": a.intermediate,
        "num_hidden_layers": a.layers, "num_attention_heads": a.heads,
        "num_key_value_heads": a.kv_heads, "max_position_embeddings": 2048,
        "tie_word_embeddings": False,
    }
    (a.out / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    specs = tensor_specs(a)
    shards = split_shards(specs, int(a.shard_gb * 1e9))
    gen = torch.Generator().manual_seed(a.seed)
    written, weight_map = 0, {}
    for i, shard in enumerate(shards):
        name = "model.safetensors" if len(shards) == 1 else f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors"
        written += write_shard(a.out / name, shard, gen)
        weight_map.update({spec[0]: name for spec in shard})
    params = sum(numel(s[1]) for s in specs)
    if len(shards) > 1:
        index = {"metadata": {"total_size": 2 * params}, "weight_map": weight_map}
        (a.out / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")

    # A tokenizer makes the directory a complete model for every lamina command; the Llama 2
    # one fits only its own 32000-token vocabulary.
    if a.vocab == 32000 and LLAMA2_TOKENIZER.is_dir():
        for f in ("tokenizer.json", "tokenizer_config.json"):
            shutil.copyfile(LLAMA2_TOKENIZER / f, a.out / f)
    else:
        print(f"note: no tokenizer copied (vocab {a.vocab}, Llama 2 tokenizer at {LLAMA2_TOKENIZER})")
    print(f"{a.out}: {params:,} parameters, {written:,} bytes in {len(shards)} file(s), "
          f"{time.time() - start:.1f} s")


if __name__ == "__main__":
    main()
