#!/usr/bin/env bash
# The evolutionary search against greedy methods on the student (docs/pruning.md "Evolutionary
# search"): sublayers (FinerCut) and blocks (Shortened-PPL, SLEB, ShortGPT) at 25 % and 37.5 %,
# calibration 8 x 128 tokens of calibration.txt; each plan's calibration JS divergence from the
# unpruned model, its held-out perplexity (eval.txt, seq 256, every window) and the search's
# time and candidate evaluations. The greedy trajectories run first, into the same results file,
# so that evo starts from them.
# usage: scripts/evo-table.sh [SHARED_DIR] [WORK_DIR]   (after scripts/build.sh dev)
# Plans and every command's --json output are kept in WORK_DIR (default build/evo-table).
# Needs jq (scripts/install-deps.sh installs it). About an hour on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
work=${2:-build/evo-table}
cli=${LAMINA_CLI:-build/dev/app/cli/lamina-cli}  # a copy lets the build go on meanwhile
model=resources/demo-model
mkdir -p "$work"
rm -f "$work/student.h5"
calib=(--calib "$shared/data/tinystories/calibration.txt" --seq 128 --windows 8 --results "$work/student.h5")

prune() {  # name method units ratios
    "$cli" prune "$model" --method "$2" --units "$3" "${calib[@]}" --ratio "$4" --out "$work/$1.json" --json \
        > "$work/$1-prune.json"
    echo "$1: $(jq -r '.seconds' "$work/$1-prune.json") s, $(jq -r '.candidate_evaluations' "$work/$1-prune.json") evaluations" >&2
}
plan() {  # name method units ratio: the plan alone (answered from the results file)
    "$cli" prune "$model" --method "$2" --units "$3" "${calib[@]}" --ratio "$4" --out "$work/$1.json" --json \
        > "$work/$1-plan.json"
}
js() {  # plan: calibration JS divergence of the plan (the greedy score's and evo's fitness)
    "$cli" ppl "$model" --plan "$work/$1.json" --text "$shared/data/tinystories/calibration.txt" --seq 128 \
        --windows 8 --divergence js --json > "$work/$1-js.json"
    printf '%.5f' "$(jq -r '.divergence' "$work/$1-js.json")"
}
held() {
    "$cli" ppl "$model" --plan "$work/$1.json" --text "$shared/data/tinystories/eval.txt" --seq 256 --json \
        > "$work/$1-ppl.json"
    printf '%.2f' "$(jq -r .ppl "$work/$1-ppl.json")"
}

prune finercut finercut sublayer 0.375
prune evo-sublayer evo sublayer 0.25,0.375
for m in shortened-ppl sleb shortgpt; do prune "$m" "$m" block 0.375; done
prune evo-block evo block 0.25,0.375
# --fitness nll rows of docs/pruning.md: the same two evo runs with --fitness nll.

echo "| units | ratio | method | removed | calib. JS | held-out PPL |"
echo "|---|---:|---|---|---:|---:|"
for ratio in 0.25 0.375; do
    for m in finercut evo; do
        plan "$m-s-$ratio" "$m" sublayer "$ratio"
        echo "| sublayer | $ratio | $m | $(jq -r '[.plan.operations[] | (.op | sub("drop_"; "")) + (.layer | tostring)] | join(" ")' "$work/$m-s-$ratio-plan.json") | $(js "$m-s-$ratio") | $(held "$m-s-$ratio") |"
    done
    for m in shortened-ppl sleb shortgpt evo; do
        plan "$m-b-$ratio" "$m" block "$ratio"
        echo "| block | $ratio | $m | $(jq -r '[.plan.operations[] | (.op | sub("drop_"; "")) + (.layer | tostring)] | join(" ")' "$work/$m-b-$ratio-plan.json") | $(js "$m-b-$ratio") | $(held "$m-b-$ratio") |"
    done
done
