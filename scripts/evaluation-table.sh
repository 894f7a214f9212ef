#!/usr/bin/env bash
# Builds the table of docs/evaluation.md: stories260K and the student (the demo model), each
# unpruned and pruned by FinerCut (25% of sublayers) and by Shortened LLaMA-PPL (25% of blocks),
# on every zero-shot task (--limit 500) and on TinyStories / WikiText-2 perplexity (T = 128).
# Pruning calibration: tinystories/calibration.txt, 8 windows x 128 tokens.
#
# usage: scripts/evaluation-table.sh [SHARED_DIR] [WORK_DIR]   (after scripts/build.sh dev)
# Writes WORK_DIR/table.md (default build/evaluation) plus every plan, CSV and results file.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${1:-../shared}
work=${2:-build/evaluation}
cli=build/dev/app/cli/lamina-cli
limit=${LIMIT:-500}
tasks=boolq,piqa,hellaswag,winogrande,arc_easy,arc_challenge,openbook_qa,copa,lambada_openai,tinystories,wikitext2
mkdir -p "$work"
start=$(date +%s)
: > "$work/all.csv"

run_model() {  # name, model dir, Shortened LLaMA's protected blocks, extra options (tokenizer)
    local name=$1 model=$2 protect=$3
    shift 3
    local calib=(--calib "$shared/data/tinystories/calibration.txt" --seq 128 --windows 8)
    "$cli" prune "$model" "$@" --method finercut "${calib[@]}" --ratio 0.25 \
        --results "$work/$name.h5" --out "$work/$name-finercut.json" >/dev/null
    "$cli" prune "$model" "$@" --method shortened-ppl --protect "$protect" "${calib[@]}" --ratio 0.25 \
        --results "$work/$name.h5" --out "$work/$name-shortened-ppl.json" >/dev/null
    local eval=(eval "$model" "$@" --tasks "$tasks" --data-dir "$shared/data" --limit "$limit"
                --seq 128 --results "$work/$name.h5")
    "$cli" "${eval[@]}" --csv "$work/$name-unpruned.csv" >/dev/null
    for method in finercut shortened-ppl; do
        "$cli" "${eval[@]}" --plan "$work/$name-$method.json" --no-baseline \
            --csv "$work/$name-$method.csv" >/dev/null
    done
    for subject in unpruned finercut shortened-ppl; do  # unpruned first: the others divide by it
        tail -n +2 "$work/$name-$subject.csv" | sed "s/^/$name,/" >> "$work/all.csv"
    done
}

# The paper's "+" heuristic protects blocks {0,1,2,3,L-2,L-1}: all five of stories260K, so there
# only block 0 is protected.
run_model stories260K "$shared/models/stories260K" 0 --tokenizer "$shared/models/stories260K/llama2c/tok512.bin"
run_model student resources/demo-model 0,1,2,3,14,15

# Pivot: one row per model and pruning, one column per task; zero-shot values in %.
awk -F, -v tasks="$tasks" '
    BEGIN { n = split(tasks, t, ",") }
    { key = $1 "," $2; v[key, $3] = $5; m[$3] = $4; if (!(key in seen)) { seen[key] = 1; order[++rows] = key } }
    END {
        printf "| model | pruning |"; for (i = 1; i <= n; i++) printf " %s (%s) |", t[i], m[t[i]]; print " avg | retained |"
        printf "|---|---|"; for (i = 1; i <= n; i++) printf "---:|"; print "---:|---:|"
        for (r = 1; r <= rows; r++) {
            split(order[r], k, ","); sum = 0; cnt = 0
            printf "| %s | %s |", k[1], k[2]
            for (i = 1; i <= n; i++) {
                x = v[order[r], t[i]]
                if (m[t[i]] == "ppl") printf " %.2f |", x; else { printf " %.1f |", 100 * x; sum += x; cnt++ }
            }
            avg[order[r]] = sum / cnt
            base = avg[k[1] ",unpruned"]
            retained = (base > 0) ? sprintf("%.1f%%", 100 * avg[order[r]] / base) : "-"
            printf " %.1f | %s |\n", 100 * avg[order[r]], retained
        }
    }' "$work/all.csv" > "$work/table.md"
cat "$work/table.md"
echo "evaluation-table: $(($(date +%s) - start)) s"
