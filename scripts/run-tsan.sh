#!/usr/bin/env bash
# ThreadSanitizer run of the GUI job stress test (Cancel and window close during every job
# kind). libtorch, libgomp, OpenBLAS and Qt are Debian's uninstrumented builds, so their own
# synchronisation is invisible to TSan: with worker threads it reports every OpenMP-parallel
# write into a tensor as a race. One compute thread (OMP_NUM_THREADS=1) removes those, leaving
# the app's own threads (GUI, job threads, the plan-check lane) — the part under test.
# Reports: build/tsan/tsan-report.<pid>, summarised at the end. Takes ~30-60 min on 2 cores.
#
#   scripts/run-tsan.sh [ROUNDS (1)]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-1}"
bash scripts/install-deps.sh
cmake --preset tsan >/dev/null
cmake --build build/tsan --target test_job_stress
rm -f build/tsan/tsan-report.*
status=0
TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 log_path=$PWD/build/tsan/tsan-report" \
    OMP_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE LAMINA_STRESS_THREADS=1 \
    LAMINA_STRESS_TIME_SCALE=20 LAMINA_STRESS_ROUNDS="$rounds" QT_QPA_PLATFORM=offscreen \
    build/tsan/tests/gui/test_job_stress -maxwarnings 0 | grep -v '^PASS' || status=$?
reports=(build/tsan/tsan-report.*)
if [ -e "${reports[0]}" ]; then
    echo "tsan: $(grep -c '^WARNING: ThreadSanitizer' "${reports[@]}" | awk -F: '{s+=$NF} END {print s}') reports"
    grep -h '^SUMMARY' "${reports[@]}" | sort | uniq -c | sort -rn
    status=1
else
    echo "tsan: no reports"
fi
exit "$status"
