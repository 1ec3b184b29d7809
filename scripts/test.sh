#!/usr/bin/env bash
# The test job: set up, then lint, type-check and run every test tier on Node 20, then the pure
# tiers again on Node 24 LTS (the code must run on both).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
npm run --silent lint
npx vitest run "$@"
echo "== benchmarks once, small sizes (a smoke test so they never rot; not a measurement)"
node bin/fwctl.js bench --quick
echo "== pure test tiers on Node 24"
./scripts/node24.sh npx vitest run --project unit
