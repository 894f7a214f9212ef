#!/usr/bin/env bash
# Scaling of an analysis (linear and unbiased CKA, BI, angular, ppl_drop) with the number of
# calibration tokens (student, 4/8/16/32 windows of 128 tokens) and with depth (synthetic
# student-shaped models of 4/8/16/32 layers, 8 windows), each with a fresh results file, and the
# fitted growth exponent (least squares on log time vs log size).
#
#   tests/bench/scaling.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
shared=${LAMINA_SHARED_DIR:-../shared}
cli=build/dev/app/cli/lamina-cli
calib=$shared/data/tinystories/calibration.txt
metrics=cka_linear,cka_unbiased,bi,angular,ppl_drop
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
seconds() {  # model windows -> wall seconds of one analysis
    /usr/bin/time -f "%e" -o "$tmp/t" "$cli" analyze "$1" --calib "$calib" --seq 128 \
        --windows "$2" --metrics "$metrics" --out "$tmp/r$RANDOM.h5" --json >/dev/null
    cat "$tmp/t"
}
fit() {  # "x y" lines -> exponent b of y = a x^b
    /usr/bin/python3 -c '
import math, sys
p = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
x = [math.log(a) for a, _ in p]; y = [math.log(b) for _, b in p]
mx, my = sum(x) / len(x), sum(y) / len(y)
print("%.2f" % (sum((a - mx) * (b - my) for a, b in zip(x, y)) / sum((a - mx) ** 2 for a in x)))'
}
echo "tokens (student, 16 layers): windows x 128"
: >"$tmp/tok"
for w in 4 8 16 32; do
    s=$(seconds "$shared/models/tinystories-student" "$w")
    echo "  $((w * 128)) tokens  $s s"
    echo "$((w * 128)) $s" >>"$tmp/tok"
done
echo "  growth exponent $(fit <"$tmp/tok")"
echo "depth (synthetic, hidden 256, 8 x 128 tokens)"
: >"$tmp/depth"
for L in 4 8 16 32; do
    dir=build/bench/depth-$L
    [ -f "$dir/config.json" ] || /usr/bin/python3 tests/bench/make_synthetic_model.py --out "$dir" \
        --layers "$L" --hidden 256 --intermediate 688 --heads 8 --kv-heads 4 --vocab 32000 >/dev/null
    s=$(seconds "$dir" 8)
    echo "  $L layers  $s s"
    echo "$L $s" >>"$tmp/depth"
done
echo "  growth exponent $(fit <"$tmp/depth")"
