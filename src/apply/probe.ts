import type { Exec } from './exec.js';

/** What the running kernel offers, found by `nft -c` of tiny tables (never guessed from versions). */
export interface Features {
  /** `ct state` in a bridge-family chain (nf_conntrack_bridge). */
  bridgeConntrack: boolean;
  /** `reject` in a bridge-family chain (nft_reject_bridge). */
  bridgeReject: boolean;
  netdev: boolean;
  /** nft accepts JSON input (`nft -j`). */
  json: boolean;
}

const PROBES: Record<keyof Features, { args: string[]; input: string }> = {
  bridgeConntrack: {
    args: ['-c', '-f', '-'],
    input: 'table bridge fwctl-probe { chain c { type filter hook forward priority 0; ct state established accept; } }',
  },
  bridgeReject: {
    args: ['-c', '-f', '-'],
    input: 'table bridge fwctl-probe { chain c { type filter hook input priority 0; tcp dport 9 reject with tcp reset; } }',
  },
  netdev: {
    args: ['-c', '-f', '-'],
    input: 'table netdev fwctl-probe { chain c { type filter hook ingress device "lo" priority 0; } }',
  },
  json: { args: ['-j', '-c', '-f', '-'], input: '{"nftables":[{"add":{"table":{"family":"inet","name":"fwctl-probe"}}}]}' },
};

const cache = new WeakMap<Exec, Promise<Features>>();

/** Probes once per Exec (an Exec is bound to one namespace); later calls share the result. */
export function probeFeatures(exec: Exec): Promise<Features> {
  let p = cache.get(exec);
  if (!p) {
    p = runProbes(exec);
    cache.set(exec, p);
    p.catch(() => cache.delete(exec));
  }
  return p;
}

async function runProbes(exec: Exec): Promise<Features> {
  const entries = await Promise.all(
    (Object.keys(PROBES) as (keyof Features)[]).map(async (k) => {
      const r = await exec.run('nft', PROBES[k].args, PROBES[k].input);
      return [k, r.exitCode === 0] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as Features;
}
