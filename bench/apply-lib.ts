/**
 * One IP-set element change with 100,000 elements present (issue 3): in-process libnftables
 * (NftLibBackend) vs spawned `nft -j -f` (NftCliBackend), in a namespace `fwtest-i-bench` that is
 * always removed. Each sample is one transaction (add one element, then delete it again), timed
 * in-process around backend.apply(); p50/p99 over ≥ 200 add+delete pairs after a warm-up, for an
 * interval set (fwctl's IP sets) and a plain hash set, each alone in the namespace: nft 1.0.6
 * fetches every element of every interval set in the namespace before any element change. Run: `npx tsx bench/apply-lib.ts [--quick] [--pairs N --cli-pairs N --elements N] [--hash-only|--interval-only]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toDocument, type NftCommand } from '../src/backend/nft/json.js';
import { NftCliBackend, type NftBackend } from '../src/apply/backend.js';
import { NftLibBackend, loadNftNative } from '../src/apply/backend-lib.js';
import { SpawnExec } from '../src/apply/exec.js';
import { removeSync, track, untrack } from '../src/lab/cleanup.js';
import type { Scenario } from './run.js';
import { fmtMs, summarize, type Summary } from './stats.js';

const NS = 'fwtest-i-bench';
const T = { family: 'inet', table: 'fwtest_bench' };

async function run(cmd: string, args: string[]): Promise<void> {
  const r = await new SpawnExec().run(cmd, args);
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

/** n distinct, non-adjacent IPv4 addresses in 10.0.0.0/8. */
function addr(i: number): string {
  const v = i * 2;
  return `10.${(v >> 16) & 255}.${(v >> 8) & 255}.${v & 255}`;
}

/** Replaces the namespace's ruleset with one table holding one set of n elements. */
async function load(n: number, set: 'iv' | 'hs'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fwtest-i-bench-'));
  try {
    const elems = Array.from({ length: n }, (_, i) => addr(i)).join(', ');
    const text = [
      'flush ruleset',
      `table inet ${T.table} {`,
      `  set ${set} { type ipv4_addr;${set === 'iv' ? ' flags interval;' : ''} }`,
      '}',
      `add element inet ${T.table} ${set} { ${elems} }`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'load.nft'), text);
    await run('ip', ['netns', 'exec', NS, 'nft', '-f', join(dir, 'load.nft')]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const elem = (op: 'add' | 'delete', set: string, a: string): NftCommand => ({ [op]: { element: { ...T, name: set, elem: [a] } } });

/** Times `iters` add+delete pairs of one element (each transaction one sample). */
async function pairs(b: NftBackend, set: string, iters: number, precheck: boolean): Promise<Summary> {
  const one = async (op: 'add' | 'delete', a: string): Promise<number> => {
    const doc = toDocument([elem(op, set, a)]);
    const t0 = performance.now();
    if (precheck) await b.check(doc);
    await b.apply(doc);
    return performance.now() - t0;
  };
  for (let i = 0; i < 3; i++) await one('add', `11.0.0.${i}`).then(() => one('delete', `11.0.0.${i}`)); // warm-up
  const out: number[] = [];
  for (let i = 0; i < iters; i++) {
    const a = `11.${(i >> 8) & 255}.${i & 255}.1`;
    out.push(await one('add', a));
    out.push(await one('delete', a));
  }
  return summarize(out);
}

export interface SetElemSizes {
  elements: number;
  /** add+delete pairs per backend and set kind (check+apply: the same for lib, 1/8 for the CLI). */
  pairs: number;
  cliPairs: number;
  /** Which set kinds to measure (default both). */
  sets?: ('iv' | 'hs')[];
}

export async function benchSetElem(log: (s: string) => void, quick: boolean, sizes?: SetElemSizes): Promise<void> {
  const native = loadNftNative();
  if (!native) throw new Error('bench setelem: the native addon with libnftables is not built (scripts/setup.sh)');
  const n = sizes?.elements ?? (quick ? 10_000 : 100_000);
  const iters = sizes?.pairs ?? (quick ? 20 : 200);
  const cliIters = sizes?.cliPairs ?? (quick ? 10 : 200);
  removeSync(NS);
  await run('ip', ['netns', 'add', NS]);
  track(NS);
  const lib = new NftLibBackend(native, { netns: NS });
  try {
    const cli = new NftCliBackend(new SpawnExec({ netns: NS }));
    log(`${n} elements present; one transaction = add or delete one element; ${iters} pairs each; in-process wall time`);
    log('set        backend      apply p50 / p99            check+apply p50 / p99');
    for (const [set, label] of [['iv', 'interval'], ['hs', 'hash']] as const) {
      if (sizes?.sets && !sizes.sets.includes(set)) continue;
      await load(n, set);
      for (const [name, b, kAll] of [['lib', lib, iters], ['cli', cli, cliIters]] as const) {
        // an interval-set change costs seconds on nft 1.0.6 (it re-reads every interval set): few samples
        const k = set === 'iv' ? Math.min(kAll, quick ? 2 : 10) : kAll;
        const a = await pairs(b, set, k, false);
        const c = await pairs(b, set, name === 'cli' ? Math.max(10, k / 8) : k, true);
        log(`${label.padEnd(10)} ${name.padEnd(12)} ${fmtMs(a.p50)} / ${fmtMs(a.p99)}`.padEnd(52) + `${fmtMs(c.p50)} / ${fmtMs(c.p99)} (n=${a.n}/${c.n})`);
      }
    }
  } finally {
    await lib.close();
    removeSync(NS);
    untrack(NS);
  }
}

export const setElemScenario: Scenario = {
  name: 'setelem',
  description: 'one IP-set element add/delete with 100,000 elements present: libnftables in-process vs nft -j -f',
  run: (ctx) => benchSetElem(ctx.log, ctx.quick),
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const num = (flag: string): number | undefined => {
    const i = process.argv.indexOf(flag);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  const pairs = num('--pairs');
  const only = process.argv.includes('--hash-only') ? { sets: ['hs' as const] } : process.argv.includes('--interval-only') ? { sets: ['iv' as const] } : {};
  const sizes = pairs === undefined ? undefined : { elements: num('--elements') ?? 100_000, pairs, cliPairs: num('--cli-pairs') ?? pairs, ...only };
  benchSetElem((s) => console.log(s), process.argv.includes('--quick'), sizes).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
