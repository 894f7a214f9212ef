#!/usr/bin/env bash
# Peak resident memory of `analyze` and `prune` on one model with the weights kept mapped
# (default), mapped + --layer-by-layer, and as a float32 copy (--weights converted). Each run
# uses a fresh results file so nothing is answered from a cache.
#
#   tests/bench/memory.sh MODEL [windows seq]      (defaults 8 128: ../shared calibration text)
#   PARTS="similarity removal prune" (default: all) picks the groups of runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1 windows=${2:-8} seq=${3:-128}
cli=build/dev/app/cli/lamina-cli
calib=${LAMINA_SHARED_DIR:-../shared}/data/tinystories/calibration.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
C=(--calib "$calib" --seq "$seq" --windows "$windows")
echo "model $(du -sh --apparent-size "$model" | cut -f1) on disk"
run() {  # label, command...
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null
    read -r secs kb <"$tmp/time"
    printf '%-44s %8.1f s  peak RSS %7.0f MB\n' "$label" "$secs" "$((kb / 1024))"
}
parts=" ${PARTS:-similarity removal prune} "
analyze() {  # metrics, modes...
    local metrics=$1
    shift
    for mode in "$@"; do
        read -r weights lbl <<<"$mode"
        run "analyze $metrics ($mode)" "$cli" analyze "$model" "${C[@]}" --metrics "$metrics" \
            --weights "$weights" ${lbl:+"$lbl"} --out "$tmp/an-$metrics-${weights}${lbl:+-lbl}.h5" --json
    done
}
[[ $parts == *" similarity "* ]] &&
    analyze cka_linear,cka_unbiased,cosine,bi,angular "mapped" "mapped --layer-by-layer" "converted"
[[ $parts == *" removal "* ]] && analyze ppl_drop,js_drop "mapped" "mapped --layer-by-layer"
[[ $parts == *" prune "* ]] || exit 0
for weights in mapped converted; do
    run "prune shortened-ppl --ratio 0.25 ($weights)" "$cli" prune "$model" "${C[@]}" \
        --method shortened-ppl --ratio 0.25 --weights "$weights" --results "$tmp/pr-$weights.h5" \
        --out "$tmp/plan-$weights.json" --json
done
