#!/usr/bin/env bash
# Forward throughput of Lamina vs a PyTorch eager peer (tests/bench/peer_forward.py) on the
# same model, batch, sequence length and thread count, and the same libtorch build.
#
#   tests/bench/compare_forward.sh MODEL [batch seq]
#
# Environment: THREADS (default: all cores), REPEAT (default 5), WEIGHTS (Lamina's --weights,
# default converted: the peer too keeps one float32 copy made at load), PEER_MALLOC=1 to run
# the peer a second time with Lamina's glibc malloc thresholds (configureRuntime() sets them
# in-process; on small models that alone changed the peer's time several-fold).
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 MODEL [batch seq]" >&2
    exit 2
fi
model=$1 batch=${2:-8} seq=${3:-256}
threads=${THREADS:-$(nproc)} repeat=${REPEAT:-5} weights=${WEIGHTS:-converted}
cli=build/dev/app/cli/lamina-cli
peer=(/usr/bin/python3 tests/bench/peer_forward.py "$model" --batch "$batch" --seq "$seq"
      --repeat "$repeat" --threads "$threads" --json)

bash scripts/install-deps.sh bench >&2
[ -x "$cli" ] || { echo "$cli not built" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# One after the other: both use every core.
echo "lamina-cli bench ..." >&2
/usr/bin/time -f %M -o "$tmp/lamina.rss" \
    "$cli" bench "$model" --batch "$batch" --seq "$seq" --repeat "$repeat" --threads "$threads" \
    --weights "$weights" --json >"$tmp/lamina.json"
echo "peer_forward.py ..." >&2
"${peer[@]}" >"$tmp/peer.json"
if [ "${PEER_MALLOC:-0}" = 1 ]; then
    echo "peer_forward.py with Lamina's malloc thresholds ..." >&2
    MALLOC_MMAP_THRESHOLD_=$((32 << 20)) MALLOC_TRIM_THRESHOLD_=$((512 << 20)) \
        "${peer[@]}" >"$tmp/peer-malloc.json"
else
    echo null >"$tmp/peer-malloc.json"
fi

# Lamina's peak RSS also covers its in-process GEMM measurement (3 float32 matrices, 48 MB at
# the default --gemm-size 2048).
jq -rn --slurpfile l "$tmp/lamina.json" --slurpfile p "$tmp/peer.json" \
    --slurpfile pm "$tmp/peer-malloc.json" --arg rss "$(cat "$tmp/lamina.rss")" '
    $l[0] as $l | $p[0] as $p | $pm[0] as $pm |
    def f(n; d): (n * pow(10; d) | round) / pow(10; d) | tostring;
    def pad: " " * (10 - length) + .;
    "model      \($l.model)  (\($l.batch)×\($l.seq) tokens, \($l.threads) threads, best of '"$repeat"', Lamina weights \($l.weights), torch \($p.torch_version))",
    "",
    "                  tokens/s   mean NLL      peak RSS",
    "Lamina          \(f($l.tokens_per_second; 0) | pad)   \(f($l.mean_nll; 6))   \(f($rss | tonumber / 1024; 0)) MB",
    "PyTorch eager   \(f($p.tokens_per_second; 0) | pad)   \(f($p.mean_nll; 6))   \(f($p.peak_rss_mb; 0)) MB",
    (if $pm then "PyTorch+malloc  \(f($pm.tokens_per_second; 0) | pad)   \(f($pm.mean_nll; 6))   \(f($pm.peak_rss_mb; 0)) MB" else empty end),
    "",
    "Lamina / PyTorch          \(f($l.tokens_per_second / $p.tokens_per_second; 2))×" +
        (if $pm then "  (\(f($l.tokens_per_second / $pm.tokens_per_second; 2))× vs PyTorch+malloc)" else "" end),
    "|ΔNLL|                    \($l.mean_nll - $p.mean_nll | fabs)",
    "Lamina fraction of GEMM   \(f($l.fraction_of_gemm * 100; 1)) % (\(f($l.gemm_gflops; 1)) GFLOP/s float32 GEMM)"'
