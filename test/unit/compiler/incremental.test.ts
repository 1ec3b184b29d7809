import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticPolicy } from '../../../bench/compile.js';
import { compile, type CompileFacts } from '../../../src/compiler/compile.js';
import { createCompiler } from '../../../src/compiler/incremental.js';
import type { Chain, Ruleset } from '../../../src/compiler/ruleset.js';
import { loadTree } from '../../../src/config/index.js';
import { FsTree } from '../../../src/host/fs-tree.js';
import type { Guest, Policy } from '../../../src/model/policy.js';
import { resolve } from '../../../src/model/index.js';

const FACTS = { node: 'pve1', hostIPv4: '10.10.10.11', hostIPv6: 'fd00:10::11', localNetwork: '10.10.10.0/24', now: 1_700_000_000 };

function examplePolicy(): Policy {
  const { tree } = loadTree(new FsTree(join(__dirname, '../../../examples/pve')), 'pve1');
  return resolve(tree, FACTS).policy;
}

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Edit = (p: Policy, f: CompileFacts, pick: <T>(xs: T[]) => T | undefined) => [Policy, CompileFacts];

const withGuest = (p: Policy, g: Guest, next: Guest): Policy => ({ ...p, guests: p.guests.map((x) => (x === g ? next : x)) });

/** Edits that build new objects for what changes and share the rest (as a resolver would not, see 'reclone'). */
const EDITS: Record<string, Edit> = {
  guestPolicy: (p, f, pick) => {
    const g = pick(p.guests);
    return g ? [withGuest(p, g, { ...g, options: { ...g.options, policy_in: g.options.policy_in === 'DROP' ? 'ACCEPT' : 'DROP' } }), f] : [p, f];
  },
  guestDropRule: (p, f, pick) => {
    const g = pick(p.guests.filter((x) => x.rules.length));
    return g ? [withGuest(p, g, { ...g, rules: g.rules.slice(1) }), f] : [p, f];
  },
  guestNicFirewall: (p, f, pick) => {
    const g = pick(p.guests.filter((x) => x.nics.length));
    return g ? [withGuest(p, g, { ...g, nics: g.nics.map((n, i) => (i === 0 ? { ...n, firewall: !n.firewall } : n)) }), f] : [p, f];
  },
  guestEnable: (p, f, pick) => {
    const g = pick(p.guests);
    return g ? [withGuest(p, g, { ...g, enabled: !g.enabled }), f] : [p, f];
  },
  guestLog: (p, f, pick) => {
    const g = pick(p.guests);
    return g ? [withGuest(p, g, { ...g, options: { ...g.options, log_level_in: g.options.log_level_in === 'nolog' ? 'info' : 'nolog', macfilter: !g.options.macfilter } }), f] : [p, f];
  },
  setEntry: (p, f, pick) => {
    const s = pick(p.sets);
    if (!s) return [p, f];
    const entries = s.entries.length > 1 ? s.entries.slice(1) : [...s.entries, { item: { kind: 'cidr', family: 4, cidr: '10.77.0.0/16' }, nomatch: false } as (typeof s.entries)[number]];
    return [{ ...p, sets: p.sets.map((x) => (x === s ? { ...s, entries } : x)) }, f];
  },
  groupRule: (p, f, pick) => {
    const g = pick(p.groups.filter((x) => x.rules.length));
    return g ? [{ ...p, groups: p.groups.map((x) => (x === g ? { ...g, rules: g.rules.slice(1) } : x)) }, f] : [p, f];
  },
  ratelimit: (p, f) => [{ ...p, cluster: { ...p.cluster, log_ratelimit: { ...p.cluster.log_ratelimit, burst: p.cluster.log_ratelimit.burst + 1 } } }, f],
  queue: (p, f) => [p, { ...f, queue: f.queue === false }],
  hostOption: (p, f) => [{ ...p, host: { ...p.host, options: { ...p.host.options, ndp: !p.host.options.ndp } } }, f],
  reclone: (p, f) => [structuredClone(p), f],
  nothing: (p, f) => [p, f],
};

function ownerChains(rs: Ruleset, owner: string): Chain[] {
  return rs.tables.flatMap((t) => t.chains.filter((c) => c.owner === owner));
}

function run(start: Policy, seed: number, steps: number): void {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T | undefined => xs[Math.floor(r() * xs.length)];
  const names = Object.keys(EDITS);
  const inc = createCompiler();
  let p = start;
  let f: CompileFacts = { bridgeConntrack: false };
  expect(inc.compile(p, f)).toEqual(compile(p, f));
  for (let i = 0; i < steps; i++) {
    const name = pick(names)!;
    [p, f] = EDITS[name]!(p, f, pick);
    expect(inc.compile(p, f), `step ${i}: ${name}`).toEqual(compile(p, f));
  }
}

describe('createCompiler', () => {
  it('equals compile() on random edits of the example tree', () => {
    for (const seed of [1, 2, 3, 4]) run(examplePolicy(), seed, 40);
  });

  it('equals compile() on random edits of a synthetic policy', () => {
    run(syntheticPolicy(12, 10), 7, 30);
  });

  it('reuses the chains and sets of unchanged owners (===), not of changed ones', () => {
    const p = syntheticPolicy(5, 10);
    const f = { bridgeConntrack: false };
    const inc = createCompiler();
    const a = inc.compile(p, f);
    const g = p.guests[2]!;
    const b = inc.compile(withGuest(p, g, { ...g, options: { ...g.options, policy_in: 'ACCEPT' } }), f);
    for (const other of p.guests.filter((x) => x !== g)) {
      const before = ownerChains(a, `guest/${other.vmid}`);
      const after = ownerChains(b, `guest/${other.vmid}`);
      expect(after.length).toBeGreaterThan(0);
      after.forEach((c, i) => expect(c).toBe(before[i]));
    }
    const changed = ownerChains(b, `guest/${g.vmid}`).filter((c) => c.name.endsWith('-in'));
    expect(changed.length).toBeGreaterThan(0);
    for (const c of changed) expect(ownerChains(a, `guest/${g.vmid}`)).not.toContain(c);
    const gA = ownerChains(a, 'group/webserver');
    ownerChains(b, 'group/webserver').forEach((c, i) => expect(c).toBe(gA[i]));
    a.tables[0]!.sets.forEach((s, i) => expect(b.tables[0]!.sets[i]).toBe(s));
  });

  it('reuses by content when the policy is resolved again (new objects)', () => {
    const f = { bridgeConntrack: false };
    const inc = createCompiler();
    const a = inc.compile(syntheticPolicy(4, 10), f);
    const b = inc.compile(syntheticPolicy(4, 10), f);
    expect(b.tables[0]!.chains.find((c) => c.owner === 'guest/1001')).toBe(a.tables[0]!.chains.find((c) => c.owner === 'guest/1001'));
  });

  it('recomputes every part when a global input changes', () => {
    const p = syntheticPolicy(3, 10);
    const inc = createCompiler();
    const a = inc.compile(p, { bridgeConntrack: false });
    const b = inc.compile({ ...p, cluster: { ...p.cluster, log_ratelimit: { ...p.cluster.log_ratelimit, burst: 99 } } }, { bridgeConntrack: false });
    const old = new Set(a.tables[0]!.chains);
    expect(b.tables[0]!.chains.filter((c) => c.owner.startsWith('guest/') && old.has(c))).toEqual([]);
  });
});
