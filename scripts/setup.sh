#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine (run as root): Debian packages, npm packages,
# the build. Safe to run again; it only does what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: nftables iproute2 (and iptables/ipset for the coming fallback). Native addon: g++ make
# python3 (node-gyp), libnftables-dev, libbpf-dev libelf-dev zlib1g-dev; eBPF objects: clang llvm
# linux-libc-dev bpftool. Tests and benches: prometheus (promtool and a real server), iputils-ping,
# netcat-openbsd, netsniff-ng (trafgen), iperf3, ethtool, procps.
DEB_PACKAGES=(nftables iptables ipset iproute2 procps g++ make python3 libnftables-dev libbpf-dev libelf-dev zlib1g-dev
  clang llvm linux-libc-dev bpftool prometheus iputils-ping netcat-openbsd netsniff-ng iperf3 ethtool)

missing=()
for p in "${DEB_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || echo "setup: apt-get update failed; trying with the cached package lists"
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if ! command -v node >/dev/null; then
  echo "setup: Node.js >= 20 is required (this machine kind ships it; see README)" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if ((major < 20)); then
  echo "setup: Node.js >= 20 is required, found $(node -v)" >&2
  exit 1
fi

# npm ci only when the lock file changed since the last install.
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s package-lock.json node_modules/.fwctl-lock; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.fwctl-lock
fi

# ---- begin: native addon + eBPF objects (issue 5) -------------------------------------------
# node-gyp offline against the installed Node headers (npm 11 skips dependency install scripts,
# so this builds explicitly); clang compiles native/bpf/*.c. Skipped when outputs are newer.
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
addon=build/Release/fwctl_native.node
if [[ ! -f $addon ]] || [[ -n $(find binding.gyp native/src -newer "$addon" -print -quit) ]]; then
  echo "setup: building the native addon"
  node "$gyp" rebuild --nodedir="$node_prefix" --loglevel=warn >/dev/null
fi
mkdir -p build/bpf
for src in native/bpf/*.c; do
  obj=build/bpf/$(basename "${src%.c}").bpf.o
  if [[ ! -f $obj || $src -nt $obj ]]; then
    echo "setup: compiling $src"
    clang -O2 -g -target bpf -I"/usr/include/$(gcc -dumpmachine)" -c "$src" -o "$obj"
  fi
done
# ---- end: native addon + eBPF objects -------------------------------------------------------

npm run --silent build
