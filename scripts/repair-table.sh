#!/usr/bin/env bash
# Training-free repair on the student (docs/pruning.md "Repair"): for Shortened-PPL, ShortGPT,
# Gromov's angular span and FinerCut at 25 % and 37.5 %, the plan without repair, with
# `--repair linear` and with `--repair rescale` (both fitted on 64 windows x 128 tokens of
# calibration.txt; the methods score on its first 8), then each plan's held-out perplexity
# (eval.txt, seq 256, every window) and zero-shot average (FinerCut protocol, --limit 200).
# usage: scripts/repair-table.sh [SHARED_DIR] [WORK_DIR]   (after scripts/build.sh dev)
# Plans and every command's --json output are kept in WORK_DIR (default build/repair-table).
# Needs jq (scripts/install-deps.sh installs it). About two hours on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
work=${2:-build/repair-table}
cli=build/dev/app/cli/lamina-cli
model=resources/demo-model
mkdir -p "$work"
calib=(--calib "$shared/data/tinystories/calibration.txt" --seq 128 --windows 8 --results "$work/student.h5")

held() { printf '%.2f' "$(jq -r .ppl "$1")"; }
zs() { printf '%.1f' "$(jq -r '.average * 100' "$1")"; }

"$cli" ppl "$model" --text "$shared/data/tinystories/eval.txt" --seq 256 --json > "$work/unpruned-ppl.json"
"$cli" eval "$model" --protocol finercut --data-dir "$shared/data" --limit 200 --json > "$work/unpruned-eval.json"
echo "Unpruned: held-out PPL $(held "$work/unpruned-ppl.json"), zero-shot average $(zs "$work/unpruned-eval.json") %"
echo
echo "| method | ratio | held-out PPL: none | linear | rescale | zero-shot avg %: none | linear | rescale |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for method in shortened-ppl shortgpt angular finercut; do
    for ratio in 0.25 0.375; do
        row="| $method | $ratio"
        zrow=""
        for repair in none linear rescale; do
            plan="$work/$method-$ratio-$repair.json"
            extra=()
            [ "$repair" != none ] && extra=(--repair "$repair" --repair-windows 64)
            "$cli" prune "$model" --method "$method" "${calib[@]}" --ratio "$ratio" "${extra[@]}" \
                --out "$plan" --json > "$work/$method-$ratio-$repair-prune.json"
            "$cli" ppl "$model" --plan "$plan" --text "$shared/data/tinystories/eval.txt" --seq 256 --json \
                > "$work/$method-$ratio-$repair-ppl.json"
            "$cli" eval "$model" --plan "$plan" --protocol finercut --data-dir "$shared/data" --limit 200 --no-baseline --json \
                > "$work/$method-$ratio-$repair-eval.json"
            row="$row | $(held "$work/$method-$ratio-$repair-ppl.json")"
            zrow="$zrow | $(zs "$work/$method-$ratio-$repair-eval.json")"
        done
        echo "$row$zrow |"
    done
done
