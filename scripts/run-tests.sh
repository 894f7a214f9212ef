#!/usr/bin/env bash
# One command: install dependencies, build, and run the whole test suite (all labels except
# `slow`) through CTest. Slow tests: `ctest --preset slow` after this.
# Fixtures are read from ../shared (override: LAMINA_SHARED_DIR=/path); suites that need them
# report themselves skipped when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
start=$(date +%s)
if [ -n "${LAMINA_SHARED_DIR:-}" ]; then
    cmake --preset dev -DLAMINA_SHARED_DIR="$LAMINA_SHARED_DIR" >/dev/null
fi
bash scripts/build.sh dev
built=$(date +%s)
ctest --preset dev -j "$(nproc)"
echo "run-tests: build $((built - start)) s, tests $(($(date +%s) - built)) s"
