#!/usr/bin/python3
"""PyTorch eager peer of `lamina-cli bench MODEL --json`.

Same work, same libtorch (Debian's python3-torch links the libtorch 1.13 that Lamina uses):
score B×T random token ids (next-token NLL at every position) with a plain eager forward that
mirrors Hugging Face's LlamaForCausalLM (eager attention, repeat_kv, full logits, cross
entropy). Not tuned: it is the "typical reference implementation" Lamina is compared with.

    /usr/bin/python3 tests/bench/peer_forward.py MODEL [--batch 8 --seq 256 --repeat 5] [--json]
"""

import argparse
import json
import math
import os
import resource
import struct
import time
from pathlib import Path

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def read_safetensors(path, out):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        base = 8 + n
        for name, e in header.items():
            if name == "__metadata__":
                continue
            begin, end = e["data_offsets"]
            f.seek(base + begin)
            raw = bytearray(f.read(end - begin))  # writable, so frombuffer does not warn
            t = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]) if raw else torch.empty(0)
            # float32 compute copy, like Lamina's default --dtype float32
            out[name] = t.reshape(e["shape"]).to(torch.float32)


def load_weights(model_dir):
    index = model_dir / "model.safetensors.index.json"
    files = (sorted(set(json.loads(index.read_text())["weight_map"].values()))
             if index.exists() else ["model.safetensors"])
    weights = {}
    for f in files:
        read_safetensors(model_dir / f, weights)
    return weights


class Llama:
    def __init__(self, model_dir, device):
        c = json.loads((model_dir / "config.json").read_text())
        if c.get("rope_scaling"):
            raise SystemExit("peer_forward: rope_scaling is not supported")
        self.w = {k: v.to(device) for k, v in load_weights(model_dir).items()}
        self.device = device
        self.layers = c["num_hidden_layers"]
        self.heads, self.kv_heads = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
        self.head_dim = c.get("head_dim") or c["hidden_size"] // self.heads
        self.eps, self.theta = c["rms_norm_eps"], c.get("rope_theta", 10000.0)
        self.vocab = c["vocab_size"]
        if "lm_head.weight" not in self.w:  # tied embeddings
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]

    def rms_norm(self, x, weight):
        var = x.pow(2).mean(-1, keepdim=True)
        return weight * (x * torch.rsqrt(var + self.eps))

    def linear(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w.get(name + ".bias"))

    def rope(self, T):
        inv_freq = 1.0 / (self.theta ** (torch.arange(0, self.head_dim, 2).float() / self.head_dim))
        freqs = torch.outer(torch.arange(T).float(), inv_freq)
        emb = torch.cat((freqs, freqs), dim=-1)
        return emb.cos().to(self.device), emb.sin().to(self.device)  # (T, hd)

    @staticmethod
    def rotate_half(x):
        x1, x2 = x.chunk(2, dim=-1)
        return torch.cat((-x2, x1), dim=-1)

    def attention(self, x, p, cos, sin, mask):
        B, T, _ = x.shape
        hd, rep = self.head_dim, self.heads // self.kv_heads
        q = self.linear(x, p + "q_proj").view(B, T, self.heads, hd).transpose(1, 2)
        k = self.linear(x, p + "k_proj").view(B, T, self.kv_heads, hd).transpose(1, 2)
        v = self.linear(x, p + "v_proj").view(B, T, self.kv_heads, hd).transpose(1, 2)
        q = q * cos + self.rotate_half(q) * sin
        k = k * cos + self.rotate_half(k) * sin
        # HF's repeat_kv: every query head gets its own copy of its KV head
        k = k[:, :, None].expand(B, self.kv_heads, rep, T, hd).reshape(B, self.heads, T, hd)
        v = v[:, :, None].expand(B, self.kv_heads, rep, T, hd).reshape(B, self.heads, T, hd)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(hd) + mask
        probs = F.softmax(scores, dim=-1, dtype=torch.float32)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(B, T, self.heads * hd)
        return self.linear(out, p + "o_proj")

    def mlp(self, x, p):
        return self.linear(F.silu(self.linear(x, p + "gate_proj")) * self.linear(x, p + "up_proj"), p + "down_proj")

    def mean_nll(self, ids):
        T = ids.shape[1]
        cos, sin = self.rope(T)
        mask = torch.full((T, T), float("-inf"), device=self.device).triu(1)
        h = F.embedding(ids, self.w["model.embed_tokens.weight"])
        for i in range(self.layers):
            p = f"model.layers.{i}."
            h = h + self.attention(self.rms_norm(h, self.w[p + "input_layernorm.weight"]), p + "self_attn.", cos, sin, mask)
            h = h + self.mlp(self.rms_norm(h, self.w[p + "post_attention_layernorm.weight"]), p + "mlp.")
        logits = self.linear(self.rms_norm(h, self.w["model.norm.weight"]), "lm_head").float()
        # positions 0..T-2 predict 1..T-1; mean over all B·(T-1) targets like Lamina
        return F.cross_entropy(logits[:, :-1].reshape(-1, self.vocab), ids[:, 1:].reshape(-1)).item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--threads", type=int, default=os.cpu_count())  # Lamina's default: all cores
    ap.add_argument("--device", default="cpu")  # e.g. cuda, as lamina-cli bench --device
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    # Debian's torch may start with fewer threads than cores; always set it explicitly.
    torch.set_num_threads(a.threads)

    model = Llama(a.model, torch.device(a.device))
    # Same generator and call as Lamina's at::manual_seed(0); at::randint(0, V, {B, T}).
    torch.manual_seed(0)
    ids = torch.randint(0, model.vocab, (a.batch, a.seq)).to(a.device)
    with torch.inference_mode():
        nll = model.mean_nll(ids)  # warm-up
        best = math.inf
        for _ in range(a.repeat):
            t = time.perf_counter()
            nll = model.mean_nll(ids)
            best = min(best, time.perf_counter() - t)

    result = {
        "model": str(a.model), "batch": a.batch, "seq": a.seq, "threads": torch.get_num_threads(),
        "device": a.device, "dtype": "float32", "forward_seconds": best, "tokens_per_second": a.batch * a.seq / best,
        "mean_nll": nll, "torch_version": torch.__version__,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
    }
    if a.json:
        print(json.dumps(result))
    else:
        print(f"forward   {a.batch}×{a.seq} tokens in {best:.4f} s (best of {a.repeat}): "
              f"{result['tokens_per_second']:.0f} tokens/s, mean NLL {nll:.6f}, "
              f"torch {torch.__version__}, {result['threads']} threads, peak RSS {result['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
