#!/usr/bin/env bash
# The test job: set up, then lint, type-check and run every test tier.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run --silent lint
npx vitest run "$@"
