#!/usr/bin/env python3
"""Seed corpora of the fuzz targets, built from ../shared: file headers, first lines and
trimmed copies, never whole weight files. Usage: make_seeds.py SHARED_DIR CORPUS_DIR [PLAN...]"""
import glob
import json
import os
import struct
import sys

shared, corpus = sys.argv[1], sys.argv[2]
plans = sys.argv[3:]


def put(target, name, data):
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(corpus, target, name), "wb") as f:
        f.write(data)


def safetensors_bytes(tensors, metadata=None):
    """tensors: [(name, dtype, shape)], zero-filled data."""
    sizes = {"F32": 4, "F16": 2, "BF16": 2, "I64": 8}
    header, offset = {}, 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, dtype, shape in tensors:
        n = sizes[dtype]
        for d in shape:
            n *= d
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode()
    return struct.pack("<Q", len(text)) + text + bytes(offset)


def first_lines(path, count):
    with open(path, "rb") as f:
        return b"".join(f.readline() for _ in range(count))


# safetensors: the real headers (cut after the header), and small complete files that keep
# the real tensor names of the 1-D tensors.
for path in sorted(glob.glob(f"{shared}/models/*/*.safetensors")):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        f.seek(0)
        head = f.read(8 + n)
    model = os.path.basename(os.path.dirname(path))
    put("fuzz_safetensors", f"{model}-{os.path.basename(path)}.header", head)
    header = json.loads(head[8:])
    small = [(k, v["dtype"], v["shape"]) for k, v in header.items()
             if k != "__metadata__" and len(v["shape"]) == 1 and v["shape"][0] <= 1024][:6]
    put("fuzz_safetensors", f"{model}-small.safetensors",
        safetensors_bytes(small, header.get("__metadata__")))
put("fuzz_safetensors", "dtypes.safetensors",
    safetensors_bytes([("a", "F32", [2, 2]), ("b", "F16", [3]), ("c", "BF16", [1, 1, 2]),
                       ("d", "I64", [1]), ("e", "F32", [0, 4])], {"format": "pt"}))

# GGUF: the golden files' headers (cut where the tensor data starts), and one small complete
# llama file (1 block, dim 32, a 260-token SentencePiece-style vocabulary).
def gguf_string(text):
    data = text.encode()
    return struct.pack("<Q", len(data)) + data


def gguf_file(kvs, tensors):
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, kind, value in kvs:
        out += gguf_string(key) + struct.pack("<I", kind)
        if kind == 8:
            out += gguf_string(value)
        elif kind == 9:
            element, items = value
            out += struct.pack("<IQ", element, len(items))
            for item in items:
                out += gguf_string(item) if element == 8 else struct.pack("<f" if element == 6 else "<i", item)
        else:
            out += struct.pack({4: "<I", 6: "<f", 7: "<?"}[kind], value)
    offset, blobs = 0, b""
    for name, dims in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", 0, offset)
        size = 4
        for d in dims:
            size *= d
        blob = struct.pack(f"<{size // 4}f", *[0.01 * (i % 7) for i in range(size // 4)])
        blobs += blob + b"\0" * ((-len(blob)) % 32)
        offset += len(blob) + (-len(blob)) % 32
    return out + b"\0" * ((-len(out)) % 32) + blobs


for path in sorted(glob.glob(f"{shared}/golden/gguf/*.gguf")):
    with open(path, "rb") as f:
        put("fuzz_gguf", os.path.basename(path) + ".header", f.read(800_000))
tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)] + ["\u2581a"]
put("fuzz_gguf", "small.gguf", gguf_file(
    [("general.architecture", 8, "llama"), ("llama.block_count", 4, 1),
     ("llama.embedding_length", 4, 32), ("llama.feed_forward_length", 4, 64),
     ("llama.attention.head_count", 4, 4), ("llama.attention.head_count_kv", 4, 2),
     ("llama.attention.layer_norm_rms_epsilon", 6, 1e-5), ("llama.context_length", 4, 64),
     ("tokenizer.ggml.model", 8, "llama"), ("tokenizer.ggml.tokens", 9, (8, tokens)),
     ("tokenizer.ggml.scores", 9, (6, [-float(i) for i in range(len(tokens))])),
     ("tokenizer.ggml.token_type", 9, (5, [3, 3, 3] + [6] * 256 + [1]))],
    [("token_embd.weight", [32, 260]), ("output_norm.weight", [32]),
     ("blk.0.attn_norm.weight", [32]), ("blk.0.attn_q.weight", [32, 32]),
     ("blk.0.attn_k.weight", [32, 16]), ("blk.0.attn_v.weight", [32, 16]),
     ("blk.0.attn_output.weight", [32, 32]), ("blk.0.ffn_norm.weight", [32]),
     ("blk.0.ffn_gate.weight", [32, 64]), ("blk.0.ffn_up.weight", [32, 64]),
     ("blk.0.ffn_down.weight", [64, 32])]))

# Shard index: the real one, and one matching the two shards fuzz_checkpoint_index writes.
for path in glob.glob(f"{shared}/models/*/model.safetensors.index.json"):
    put("fuzz_checkpoint_index", "real.index.json", open(path, "rb").read())
put("fuzz_checkpoint_index", "valid.index.json", json.dumps({
    "metadata": {"total_size": 52},
    "weight_map": {"model.embed_tokens.weight": "model-00001-of-00002.safetensors",
                   "model.norm.weight": "model-00001-of-00002.safetensors",
                   "lm_head.weight": "model-00002-of-00002.safetensors"}}, indent=2))

# config.json of every model.
for path in sorted(glob.glob(f"{shared}/models/*/config.json")):
    put("fuzz_config", os.path.basename(os.path.dirname(path)) + ".json", open(path, "rb").read())


# tokenizer.json: the real pipelines with the vocabulary cut to its first ids and the merges
# that stay inside it (the full files are megabytes: too slow to mutate).
def trimmed_tokenizer(path, keep):
    tok = json.load(open(path, encoding="utf-8"))
    model = tok["model"]
    vocab = {t: i for t, i in model["vocab"].items() if i < keep}
    merges = []
    for m in model.get("merges", []):
        a, b = m.split(" ", 1) if isinstance(m, str) else m
        if a in vocab and b in vocab and (a + b) in vocab:
            merges.append(m)
    model["vocab"], model["merges"] = vocab, merges[:2000]
    remap, next_id = {}, keep
    for added in tok.get("added_tokens", []):
        if added["id"] >= keep:
            remap[added["id"]] = next_id
            added["id"] = next_id
            next_id += 1
    tok["added_tokens"] = [a for a in tok.get("added_tokens", []) if a["id"] < keep + 64]

    def fix_ids(node):  # post-processor special token ids follow the renumbering
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "ids" and isinstance(v, list):
                    node[k] = [remap.get(i, i) for i in v]
                else:
                    fix_ids(v)
        elif isinstance(node, list):
            for v in node:
                fix_ids(v)
    fix_ids(tok.get("post_processor"))
    return json.dumps(tok, ensure_ascii=False, indent=1)


for name in ("llama2", "llama3", "qwen3"):
    path = f"{shared}/tokenizers/{name}/tokenizer.json"
    if os.path.exists(path):
        put("fuzz_tokenizer_json", f"{name}-trimmed.json", trimmed_tokenizer(path, 1200))
put("fuzz_tokenizer_json", "minimal.json", json.dumps({
    "version": "1.0", "added_tokens": [{"id": 6, "content": "<s>", "special": True}],
    "normalizer": None, "pre_tokenizer": None, "post_processor": None, "decoder": None,
    "model": {"type": "BPE", "vocab": {"<unk>": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "abc": 5},
              "merges": ["a b", "ab c"], "unk_token": "<unk>"}}))

# Text through the real tokenizers: the first byte picks tokenizer and special tokens.
texts = []
for rel in ("data/wikitext2/test.txt", "data/ptb/test.txt", "data/tinystories/eval.txt"):
    if os.path.exists(f"{shared}/{rel}"):
        texts.append(open(f"{shared}/{rel}", "rb").read(1500))
for path in sorted(glob.glob(f"{shared}/data/zeroshot/*.jsonl")):
    texts.append(first_lines(path, 1))
texts.append("naïve café 東京 🦙 \t\n  x\u200b\u00a0y <s></s><|endoftext|> 12345".encode())
for i, text in enumerate(texts):
    put("fuzz_tokenizer_text", f"text{i}", bytes([i % 6]) + text)

# Plans: the ones given on the command line (made with the CLI), and hand-written ones.
for path in plans:
    put("fuzz_plan", os.path.basename(path), open(path, "rb").read())
base = {"schema": 1, "model": {"fingerprint": "0123456789abcdef", "family": "llama", "layers": 8},
        "method": {"name": "manual"}, "calibration": {}, "metrics": {"calibration_ppl": 12.5}}
put("fuzz_plan", "drops.json", json.dumps(dict(base, operations=[
    {"op": "drop_block", "layer": 3}, {"op": "drop_attn", "layer": 5},
    {"op": "drop_mlp", "layer": 6}]), indent=2))
put("fuzz_plan", "merge.json", json.dumps(dict(base, operations=[
    {"op": "merge", "layers": [1, 3], "formula": "rdsc"},
    {"op": "merge", "layers": [5, 6], "formula": "average"}]), indent=2))

# Zero-shot JSONL: the first lines of every task file.
for path in sorted(glob.glob(f"{shared}/data/zeroshot/*.jsonl")):
    put("fuzz_zeroshot", os.path.basename(path), first_lines(path, 3))


# llama2.c: a tiny consistent checkpoint per shape, and the real header alone.
def llama2c(dim, hidden, layers, heads, kv, vocab, seq, shared_cls=True):
    head = dim // heads
    floats = (vocab * dim + layers * (2 * dim + 2 * dim * dim + 2 * dim * head * kv +
                                      3 * dim * hidden) + dim + seq * head)
    if not shared_cls:
        floats += vocab * dim
    return struct.pack("<7i", dim, hidden, layers, heads, kv, vocab if shared_cls else -vocab,
                       seq) + bytes(4 * floats)


put("fuzz_llama2c_header", "tiny-shared.bin", llama2c(8, 16, 1, 2, 1, 4, 4))
put("fuzz_llama2c_header", "tiny-untied.bin", llama2c(8, 12, 2, 4, 2, 6, 2, False))
bin_path = f"{shared}/models/stories260K/llama2c/stories260K.bin"
if os.path.exists(bin_path):
    put("fuzz_llama2c_header", "stories260K.header", open(bin_path, "rb").read(28))

# llama2.c tokenizer: 4 bytes choosing the vocabulary size (value % 4096 - 4), then the file.
tok_path = f"{shared}/models/stories260K/llama2c/tok512.bin"
if os.path.exists(tok_path):
    put("fuzz_llama2c_tokenizer", "tok512", struct.pack("<I", 516) + open(tok_path, "rb").read())
small = struct.pack("<i", 4)
for score, piece in ((0.0, b"<unk>"), (0.0, b"<s>"), (0.0, b"</s>"), (-1.0, b"a"),
                     (-2.0, b"b"), (-0.5, b"ab"), (-3.0, b"<0x41>")):
    small += struct.pack("<fi", score, len(piece)) + piece
put("fuzz_llama2c_tokenizer", "small", struct.pack("<I", 11) + small)
