import { runNft, type Exec } from './exec.js';

/** What the running kernel offers, found by `nft -c` of tiny tables (never guessed from versions). */
export interface Features {
  /** `ct state` in a bridge-family chain (nf_conntrack_bridge). */
  bridgeConntrack: boolean;
  /** `reject` in a bridge-family chain (nft_reject_bridge). */
  bridgeReject: boolean;
  netdev: boolean;
  /** nft accepts JSON input (`nft -j`). */
  json: boolean;
  /** `queue` (nft_queue, NFQUEUE for an IPS such as Suricata). */
  queue: boolean;
}

const table = (family: string): unknown => ({ add: { table: { family, name: 'fwctl-probe' } } });
const chain = (family: string, hook: string, extra: Record<string, unknown> = {}): unknown => ({
  add: { chain: { family, table: 'fwctl-probe', name: 'c', type: 'filter', hook, prio: 0, policy: 'accept', ...extra } },
});
const rule = (family: string, expr: unknown[]): unknown => ({ add: { rule: { family, table: 'fwctl-probe', chain: 'c', expr } } });
const tcpDport = { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 9 } };

/** Each probe is one JSON transaction checked with `nft -j -c` (nothing is committed). */
const PROBES: Record<keyof Features, unknown[]> = {
  bridgeConntrack: [
    table('bridge'),
    chain('bridge', 'forward'),
    rule('bridge', [{ match: { op: 'in', left: { ct: { key: 'state' } }, right: 'established' } }, { accept: null }]),
  ],
  bridgeReject: [table('bridge'), chain('bridge', 'input'), rule('bridge', [tcpDport, { reject: { type: 'tcp reset' } }])],
  netdev: [table('netdev'), chain('netdev', 'ingress', { dev: 'lo' })],
  json: [table('inet')],
  queue: [table('inet'), chain('inet', 'forward'), rule('inet', [tcpDport, { queue: { num: 0, flags: ['bypass'] } }])],
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
      const ok = await runNft(exec, ['-j', '-c', '-f', '-'], JSON.stringify({ nftables: PROBES[k] })).then(
        () => true,
        () => false,
      );
      return [k, ok] as const;
    }),
  );
  return Object.fromEntries(entries) as unknown as Features;
}
