#!/usr/bin/env bash
# Runs every pruning method on the student (the demo model) with the same calibration data
# (tinystories/calibration.txt, 8 windows x 128 tokens) and prints a Markdown table of what
# each removed (Gromov's angular method: the one span its plan removes), the calibration perplexity after it and the time (docs/pruning.md).
# usage: scripts/pruning-table.sh [SHARED_DIR] [WORK_DIR]   (after scripts/build.sh dev)
# Every method's `--json` trajectory is kept in WORK_DIR/<method>.json (default build/pruning).
# Needs jq (scripts/install-deps.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
work=${2:-build/pruning}
cli=build/dev/app/cli/lamina-cli
mkdir -p "$work"
calib=(--calib "$shared/data/tinystories/calibration.txt" --seq 128 --windows 8)

echo "| method | rule | plan: removed (in order) | sublayers | calib. PPL after | time |"
echo "|---|---|---|---:|---:|---:|"
for method in finercut shortened-ppl shortened-taylor slm shortgpt angular sleb blockpruner llm-drop; do
    rule=(--ratio 0.25)
    [ "$method" = slm ] && rule=(--threshold 0.72 --merge rdsc)
    "$cli" prune resources/demo-model --method "$method" "${calib[@]}" "${rule[@]}" \
        --out "$work/$method-plan.json" --json > "$work/$method.json"
    jq -r --arg rule "${rule[*]}" '
        . as $r | [(if $r.cumulative then .steps[:$r.plan_steps] else [.steps[$r.plan_steps - 1]] end)[] | if .layers then "\(.kind) \(.layers[0])-\(.layers[1])" else "\(.kind)\(.layer)" end] as $units
        | .steps[$r.plan_steps - 1] as $last
        | "| \($r.method) | `\($rule)` | \($units | join(" ")) | \($last.removed_sublayers) | \($last.ppl * 100 | round / 100) | \($r.seconds * 10 | round / 10) s |"' \
        "$work/$method.json"
done
