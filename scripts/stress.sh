#!/usr/bin/env bash
# Repeated stress run of the GUI's jobs: every job kind (analysis, five pruning methods, the
# merge sweep, evaluation, export, the plan check) stopped by Cancel and by closing the window
# at random moments, ROUNDS times each (default 10: 200 stops). Needs a dev build and
# ../shared (evaluation data). Replay a run with LAMINA_TEST_SEED=<seed it printed>.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-10}"
bash scripts/build.sh dev
start=$(date +%s)
LAMINA_STRESS_ROUNDS="$rounds" QT_QPA_PLATFORM=offscreen OMP_WAIT_POLICY=PASSIVE \
    build/dev/tests/gui/test_job_stress -maxwarnings 0 | grep -v '^PASS'
echo "stress: $rounds rounds per case in $(($(date +%s) - start)) s"
