import { performance } from 'node:perf_hooks';
import { compile } from '../src/compiler/compile.js';
import { createCompiler } from '../src/compiler/incremental.js';
import type { Ruleset } from '../src/compiler/ruleset.js';
import { loadTree } from '../src/config/tree.js';
import { MemoryTree } from '../src/config/tree-reader.js';
import type { Policy } from '../src/model/policy.js';
import { resolve } from '../src/model/resolve.js';
import { fmtMs, summarize, type Summary } from './stats.js';
import { syntheticTree } from './synthetic.js';

export const FACTS = { node: 'pve1', hostIPv4: '10.10.10.11', localNetwork: '10.10.10.0/24' };

/** The policy of a synthetic tree (parse + resolve, not timed here). */
export function syntheticPolicy(guests: number, rules: number, setElements = 0): Policy {
  const { tree } = loadTree(new MemoryTree(syntheticTree({ guests, rules, setElements })), 'pve1');
  return resolve(tree, { ...FACTS, now: 0 }).policy;
}

export function syntheticRuleset(guests: number, rules: number, setElements = 0): Ruleset {
  return compile(syntheticPolicy(guests, rules, setElements), { bridgeConntrack: false });
}

export interface RulesetSize {
  tables: number;
  chains: number;
  rules: number;
  sets: number;
  setElements: number;
  maps: number;
  mapEntries: number;
  counters: number;
}

export function rulesetSize(rs: Ruleset): RulesetSize {
  const sum = (f: (t: Ruleset['tables'][number]) => number): number => rs.tables.reduce((a, t) => a + f(t), 0);
  return {
    tables: rs.tables.length,
    chains: sum((t) => t.chains.length),
    rules: sum((t) => t.chains.reduce((a, c) => a + c.rules.length, 0)),
    sets: sum((t) => t.sets.length),
    setElements: sum((t) => t.sets.reduce((a, s) => a + s.elements.length, 0)),
    maps: sum((t) => t.maps.length),
    mapEntries: sum((t) => t.maps.reduce((a, m) => a + m.entries.length, 0)),
    counters: sum((t) => t.counters.length),
  };
}

export interface CompileBenchResult {
  guests: number;
  rules: number;
  repeats: number;
  compile: Summary;
  /** Process CPU time (user + system, all threads incl. GC) per compile. */
  compileCpu: Summary;
  /** createCompiler(): one guest's policy_in changed, only that Guest object replaced. */
  oneGuest: Summary;
  /** createCompiler(): the same policy resolved again (all objects new, nothing changed). */
  reresolved: Summary;
  size: RulesetSize;
}

function timed<T>(f: () => T): { ms: number; cpu: number; value: T } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = f();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ms, cpu: (c.user + c.system) / 1000, value };
}

/** In-process compile (Policy → Ruleset) of an already resolved policy; 2 warm-up runs first. */
export function benchCompile(guests = 1000, rules = 50, repeats = 30): CompileBenchResult {
  const policy = syntheticPolicy(guests, rules);
  const facts = { bridgeConntrack: false };
  const times: number[] = [];
  const cpu: number[] = [];
  let last: Ruleset | undefined;
  for (let i = 0; i < repeats + 2; i++) {
    const t = timed(() => compile(policy, facts));
    last = t.value;
    if (i >= 2) {
      times.push(t.ms);
      cpu.push(t.cpu);
    }
  }
  const inc = createCompiler();
  inc.compile(policy, facts);
  const one: number[] = [];
  for (let i = 0; i < repeats + 2; i++) {
    const g = policy.guests[(i * 37) % policy.guests.length]!;
    const changed = { ...g, options: { ...g.options, policy_in: i % 2 ? ('ACCEPT' as const) : ('REJECT' as const) } };
    const next = { ...policy, guests: policy.guests.map((x) => (x === g ? changed : x)) };
    const t = timed(() => inc.compile(next, facts));
    if (i >= 2) one.push(t.ms);
  }
  const again: number[] = [];
  for (let i = 0; i < Math.max(3, Math.ceil(repeats / 3)); i++) {
    const fresh = syntheticPolicy(guests, rules);
    again.push(timed(() => inc.compile(fresh, facts)).ms);
  }
  return { guests, rules, repeats, compile: summarize(times), compileCpu: summarize(cpu), oneGuest: summarize(one), reresolved: summarize(again), size: rulesetSize(last!) };
}

export function fmtSize(s: RulesetSize): string {
  return `${s.tables} tables, ${s.chains} chains, ${s.rules} rules, ${s.sets} sets / ${s.setElements} set elements, ${s.maps} maps / ${s.mapEntries} map entries, ${s.counters} named counters`;
}

export function reportCompile(r: CompileBenchResult): string {
  return [
    `compile: ${r.guests} guests x ${r.rules} rules (policy already resolved)`,
    `  method: in-process compile(policy) → Ruleset, ${r.repeats} repeats after 2 warm-up runs; p50 / p99 (nearest rank) / min`,
    `  compile  ${fmtMs(r.compile.p50)} / ${fmtMs(r.compile.p99)} / ${fmtMs(r.compile.min)}   ${r.guests === 1000 && r.rules === 50 ? `(goal ≤ 300 ms: ${r.compile.p50 <= 300 ? 'met' : 'NOT met'} at p50)` : '(goal is for 1,000 x 50)'}`,
    `  compile, process CPU time  ${fmtMs(r.compileCpu.p50)} / ${fmtMs(r.compileCpu.p99)} / ${fmtMs(r.compileCpu.min)}`,
    `  createCompiler, one guest changed (that Guest object replaced)  ${fmtMs(r.oneGuest.p50)} / ${fmtMs(r.oneGuest.p99)} / ${fmtMs(r.oneGuest.min)}`,
    `  createCompiler, policy resolved again, nothing changed (n=${r.reresolved.n})  ${fmtMs(r.reresolved.p50)} / ${fmtMs(r.reresolved.p99)} / ${fmtMs(r.reresolved.min)}`,
    `  ruleset  ${fmtSize(r.size)}`,
  ].join('\n');
}
