#!/usr/bin/env bash
# Fuzzes the parsers of outside input with libFuzzer (tests/fuzz/, `fuzz` preset: clang,
# ASan + UBSan, lamina_base only). Builds the targets, writes seed corpora from ../shared into
# build/fuzz/corpus/<target>/, runs each target for SECONDS (one at a time, nice 10) and
# prints one line per target. Logs: build/fuzz/logs/<target>.log; crashing inputs:
# build/fuzz/artifacts/<target>/ (reproduce: build/fuzz/tests/fuzz/<target> <file>).
#
#   scripts/fuzz.sh [SECONDS-PER-TARGET (60)] [TARGET...]
#
# Environment: LAMINA_SHARED_DIR (../shared), FUZZ_JOBS (build jobs, 1).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
all=(fuzz_safetensors fuzz_checkpoint_index fuzz_config fuzz_tokenizer_json
     fuzz_tokenizer_text fuzz_plan fuzz_zeroshot fuzz_llama2c_header fuzz_llama2c_tokenizer
     fuzz_results_store fuzz_gguf)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
shared=${LAMINA_SHARED_DIR:-../shared}
out=build/fuzz
bin=$out/tests/fuzz

bash scripts/install-deps.sh fuzz
cmake --preset fuzz >/dev/null
cmake --build "$out" --target "${targets[@]}" make_store_seed -j "${FUZZ_JOBS:-1}"

# Seeds (corpora are build output, never committed).
plans=()
for p in build/*/*plan.json; do [ -f "$p" ] && plans+=("$p"); done
python3 tests/fuzz/make_seeds.py "$shared" "$out/corpus" "${plans[@]+"${plans[@]}"}"
store_tmp=$(mktemp -d)
trap 'rm -rf "$store_tmp"' EXIT
ASAN_OPTIONS=detect_leaks=0 "$bin/make_store_seed" "$store_tmp/seed.h5"
mkdir -p "$out/corpus/fuzz_results_store"
cp "$store_tmp/seed.h5" "$out/corpus/fuzz_results_store/seed.h5"

mkdir -p "$out/logs" "$out/dicts"
summary=()
for t in "${targets[@]}"; do
    mkdir -p "$out/artifacts/$t" "$out/corpus/$t"
    dict=()
    if [ -f "tests/fuzz/dicts/$t.dict" ]; then
        cat tests/fuzz/dicts/json.dict "tests/fuzz/dicts/$t.dict" >"$out/dicts/$t.dict"
        dict=(-dict="$out/dicts/$t.dict")
    fi
    asan=${ASAN_OPTIONS:-}
    # libhdf5 1.10 mallocs object-header sizes read from the file before checking them against
    # the file's end (3 GB for a 6 KB file; a plain build then fails H5Fopen cleanly without
    # touching the memory). Let such a malloc fail, as it would under a memory limit.
    # (operator new still reports: ASan does not return null from a throwing new.)
    [ "$t" = fuzz_results_store ] && asan=max_allocation_size_mb=2048:allocator_may_return_null=1
    echo "fuzz: $t for $seconds s (log $out/logs/$t.log)"
    ASAN_OPTIONS=$asan nice -n 10 "$bin/$t" "$out/corpus/$t" -max_total_time="$seconds" \
        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t/" "${dict[@]}" >"$out/logs/$t.log" 2>&1 || true
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/logs/$t.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$out/logs/$t.log" | tail -1)
    files=$(find "$out/corpus/$t" -type f | wc -l)
    crashes=$(find "$out/artifacts/$t" -type f | wc -l)
    summary+=("$(printf '%-24s executions %10s  exec/s %6s  corpus %5s  crashes %s' \
        "$t" "${execs:-?}" "${rate:-?}" "$files" "$crashes")")
done
# Scratch dirs of crashed runs (a clean exit removes its own).
for d in /dev/shm/lamina-fuzz-* /tmp/lamina-fuzz-*; do
    [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
done
printf '%s\n' "${summary[@]}"
