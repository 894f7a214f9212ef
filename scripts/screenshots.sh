#!/usr/bin/env bash
# Writes docs/screenshots/*.png: the GUI on the demo model under Xvfb, with real results. The
# first view computes them (default analysis, four pruning methods, the merge sweep; a few
# minutes on 2 cores) into build/screenshots/demo.h5; the others read that file.
# usage: scripts/screenshots.sh   (after scripts/build.sh dev)
set -euo pipefail
cd "$(dirname "$0")/.."
app=build/dev/app/gui/lamina
cli=build/dev/app/cli/lamina-cli
work=build/screenshots
mkdir -p "$work" docs/screenshots
results="$work/demo.h5"
shoot() {  # view, output, extra options
    local view=$1 out=$2
    shift 2
    xvfb-run -a -s "-screen 0 1600x1000x24" "$app" --model resources/demo-model --results "$results" \
        --view "$view" --screenshot "docs/screenshots/$out.png" "$@"
    echo "wrote docs/screenshots/$out.png"
}
shoot heatmap heatmap
# The FinerCut plan at 25% of the sublayers (read from the same results file) on the layer map.
"$cli" prune resources/demo-model --method finercut --seq 128 --windows 8 --ratio 0.25 \
    --results "$results" --out "$work/finercut-25.json" >/dev/null
shoot layers layers --plan "$work/finercut-25.json"
shoot trajectories trajectories --plan "$work/finercut-25.json"
# The same plan's greedy continuation beside the unpruned model's, and the logit lens.
prompt="Once upon a time, there was a little girl named"
shoot compare compare --plan "$work/finercut-25.json" --prompt "$prompt"
shoot lens lens --plan "$work/finercut-25.json" --prompt "$prompt"
# Shortened-PPL at 25 % with the linear repair: the plan check and the chart show both.
"$cli" prune resources/demo-model --method shortened-ppl --seq 128 --windows 8 --ratio 0.25 \
    --results "$results" --out "$work/shortened-ppl-25.json" >/dev/null
shoot trajectories repair --plan "$work/shortened-ppl-25.json" --repair linear
