#!/usr/bin/env bash
# Builds the `asan` preset (AddressSanitizer + UndefinedBehaviorSanitizer, RelWithDebInfo) and
# runs the unit and model test labels under it. Any sanitizer report fails the test that
# triggered it (UBSan does not recover; ASan aborts). Not part of .ci/run: see
# docs/reliability.md for the timings that decided that.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
start=$(date +%s)
if [ -n "${LAMINA_SHARED_DIR:-}" ]; then
    cmake --preset asan -DLAMINA_SHARED_DIR="$LAMINA_SHARED_DIR" >/dev/null
fi
bash scripts/build.sh asan
built=$(date +%s)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# Instrumented code and ASan's allocator make the model suites 10-70x slower: long timeouts.
ctest --test-dir build/asan -L 'unit|model' -LE slow -j "$(nproc)" --timeout 3600 \
    --output-on-failure "$@"
echo "run-sanitizers: build $((built - start)) s, tests $(($(date +%s) - built)) s"
