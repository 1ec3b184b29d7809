import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { ParseCache } from '../../../src/daemon/parse-cache.js';
import { ResolveMemo } from '../../../src/model/memo.js';
import { resolve } from '../../../src/model/resolve.js';
import { mulberry32 as rng } from '../../fixtures/prng.js';

const ROOT = join(import.meta.dirname, '../../../examples/pve');
const FACTS = { node: 'pve1', hostIPv4: '10.10.10.11', localNetwork: '10.10.10.0/24', now: 1_700_000_000 };

function files(dir = ROOT, out = new Map<string, string>()): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) files(p, out);
    else out.set(relative(ROOT, p), readFileSync(p, 'utf8'));
  }
  return out;
}

const CLUSTER = 'firewall/cluster.fw';
const append = (text: string, section: string, line: string): string => text.replace(`[${section}]\n`, `[${section}]\n${line}\n`);

/** Text edits an operator makes; each returns the new file map. */
const EDITS: ((f: Map<string, string>, pick: <T>(xs: T[]) => T) => void)[] = [
  (f, pick) => { const p = pick([...f.keys()].filter((k) => /^firewall\/\d+\.fw$/.test(k))); f.set(p, `${f.get(p)}\nIN ACCEPT -p tcp -dport ${1000 + f.size}\n`); },
  (f, pick) => { const p = pick([...f.keys()].filter((k) => /^firewall\/\d+\.fw$/.test(k))); f.set(p, `${f.get(p)}\nIN BOGUS -p tcp\n`); }, // an error diagnostic
  (f) => f.set(CLUSTER, append(f.get(CLUSTER)!, 'IPSET blacklist', `10.66.${f.size % 250}.9`)), // an element only
  (f) => f.set(CLUSTER, f.get(CLUSTER)!.replace(/monitoring 10\.10\.10\.\d+/, `monitoring 10.10.10.${50 + (f.size % 100)}`)), // an alias value
  (f) => f.set(CLUSTER, append(f.get(CLUSTER)!, 'RULES', 'IN ACCEPT -p tcp -dport 4444')),
  (f, pick) => { const p = pick([...f.keys()].filter((k) => /^nodes\/pve1\/(qemu-server|lxc)\/\d+\.conf$/.test(k))); f.delete(p); },
  (f, pick) => { const p = pick([...f.keys()].filter((k) => /^firewall\/\d+\.fw$/.test(k))); f.set(p, f.get(p)!.replace('enable: 1', 'enable: 0')); },
  () => undefined,
];

describe('ResolveMemo', () => {
  it('gives the same policy and diagnostics as a fresh resolve, over random edits', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
      const f = files();
      const cache = new ParseCache();
      const memo = new ResolveMemo();
      for (let step = 0; step < 40; step++) {
        pick(EDITS)(f, pick);
        const { tree } = cache.load(new MemoryTree(new Map(f)), 'pve1');
        expect(resolve(tree, FACTS, memo), `seed ${seed} step ${step}`).toEqual(resolve(tree, FACTS));
      }
    }
  });

  it('reuses unchanged guests (===) unless the cluster scope they read changed', () => {
    const f = files();
    const cache = new ParseCache();
    const memo = new ResolveMemo();
    const load = () => resolve(cache.load(new MemoryTree(new Map(f)), 'pve1').tree, FACTS, memo).policy;
    const a = load();
    expect(memo.resolved).toBe(a.guests.length);
    f.set('firewall/100.fw', `${f.get('firewall/100.fw')}\nIN ACCEPT -p tcp -dport 7777\n`);
    const b = load();
    expect(memo.resolved).toBe(1);
    for (const g of b.guests) expect(g === a.guests.find((x) => x.vmid === g.vmid), `guest ${g.vmid}`).toBe(g.vmid !== 100);
    f.set(CLUSTER, append(f.get(CLUSTER)!, 'IPSET blacklist', '10.66.9.9')); // elements are not part of the scope
    const c = load();
    expect(memo.resolved).toBe(0);
    c.guests.forEach((g, i) => expect(g).toBe(b.guests[i]));
    f.set(CLUSTER, f.get(CLUSTER)!.replace('monitoring 10.10.10.50', 'monitoring 10.10.10.51')); // an alias value is
    load();
    expect(memo.resolved).toBe(a.guests.length);
  });
});
