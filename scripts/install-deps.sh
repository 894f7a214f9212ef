#!/usr/bin/env bash
# Installs the Debian 12 packages Lamina builds and runs with. Idempotent; needs root (or sudo).
#   install-deps.sh            what the build, the app and the test suite need
#   install-deps.sh fuzz       also clang with libFuzzer's runtime (scripts/fuzz.sh)
#   install-deps.sh bench      also Debian's PyTorch (the benchmark peer, tests/bench/*.py)
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config git
    libtorch-dev libopenblas0-openmp          # libtorch + a fast float32 BLAS (OpenMP flavour)
    qt6-base-dev qt6-qpa-plugins qt6-svg-dev libqcustomplot-dev
    libhdf5-dev nlohmann-json3-dev libpcre2-dev libutf8proc-dev
    xvfb xauth                                # headless display for the GUI and screenshots
    jq                                        # JSON in the documentation scripts
    libopenmpi-dev openmpi-bin                # mpirun -n K lamina-cli prune (distributed scoring)
)
for extra in "$@"; do
    case "$extra" in
        fuzz) packages+=(clang libclang-rt-14-dev python3) ;;
        bench) packages+=(python3 python3-torch python3-numpy) ;;
        *) echo "install-deps: unknown group '$extra' (known: fuzz, bench)" >&2; exit 2 ;;
    esac
done

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Always refresh the index first (a fresh machine has none); install only what is missing.
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
