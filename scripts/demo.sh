#!/usr/bin/env bash
# The main job: set up, then run the demo on the bundled example tree.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >&2
exec node bin/fwctl.js demo "$@"
