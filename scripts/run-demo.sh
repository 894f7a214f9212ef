#!/usr/bin/env bash
# One command: install dependencies, build, and launch the Lamina GUI on the bundled demo model.
# Without a display it runs under Xvfb and saves a screenshot instead.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh dev
app=build/dev/app/gui/lamina
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
    exec "$app" resources/demo-model "$@"
fi
echo "run-demo: no display found; running under Xvfb and saving build/demo-screenshot.png"
xvfb-run -a -s "-screen 0 1280x900x24" "$app" resources/demo-model \
    --screenshot build/demo-screenshot.png "$@"
echo "run-demo: wrote build/demo-screenshot.png"
