import { performance } from 'node:perf_hooks';
import { runNft } from '../src/apply/exec.js';
import { NftApplier } from '../src/apply/index.js';
import { plan } from '../src/apply/plan.js';
import { compile } from '../src/compiler/compile.js';
import type { Ruleset } from '../src/compiler/ruleset.js';
import { loadTree } from '../src/config/tree.js';
import { MemoryTree } from '../src/config/tree-reader.js';
import { Lab } from '../src/lab/index.js';
import { resolve } from '../src/model/resolve.js';
import type { BenchContext } from './run.js';
import { FACTS, fmtSize, rulesetSize } from './compile.js';
import { fmtMs, summarize } from './stats.js';
import { syntheticTree } from './synthetic.js';

const PREFIX = 'fwbench-';

/** A synthetic tree whose `bigset` holds `n` addresses two apart (so the compiler cannot merge them). */
function treeFiles(guests: number, rules: number, bigset: number, extraBig = 0, guestEdit = false): Map<string, string> {
  const files = syntheticTree({ guests, rules });
  const addr = (i: number): string => `10.${100 + (i >> 15)}.${(i >> 7) & 0xff}.${(i & 0x7f) * 2}`;
  const big = Array.from({ length: bigset + extraBig }, (_, i) => addr(i));
  files.set('firewall/cluster.fw', files.get('firewall/cluster.fw')!.replace('[IPSET bigset]\n', `[IPSET bigset]\n${big.join('\n')}\n`));
  if (guestEdit) files.set('firewall/1000.fw', `${files.get('firewall/1000.fw')!}IN ACCEPT -p tcp -dport 4444\n`);
  return files;
}

function rulesetOf(files: Map<string, string>): Ruleset {
  const { tree } = loadTree(new MemoryTree(files), 'pve1');
  return compile(resolve(tree, { ...FACTS, now: 0 }).policy, { bridgeConntrack: false });
}

const fmt = (xs: number[]): string => {
  const s = summarize(xs);
  return `p50 ${fmtMs(s.p50)} / p99 ${fmtMs(s.p99)} / min ${fmtMs(s.min)} (n=${s.n})`;
};

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await f();
  return [performance.now() - t0, v];
}

type Variant = { label: string; nft: 'lib' | 'cli'; input: 'text' | 'json'; precheck: boolean };

const VARIANTS: Variant[] = [
  { label: 'lib  text  no precheck (default)', nft: 'lib', input: 'text', precheck: false },
  { label: 'lib  text  + precheck          ', nft: 'lib', input: 'text', precheck: true },
  { label: 'cli  text  no precheck         ', nft: 'cli', input: 'text', precheck: false },
  { label: 'lib  json  no precheck         ', nft: 'lib', input: 'json', precheck: false },
  { label: 'cli  json  + precheck (old)    ', nft: 'cli', input: 'json', precheck: true },
];

/** Full atomic applies (NftApplier, `{full: true}`) at several sizes: lib vs CLI, text vs JSON, with/without `nft -c`. */
async function fullApplies(ctx: BenchContext, lab: Lab, sizes: number[], repeats: number): Promise<void> {
  ctx.log('full atomic apply: NftApplier.apply(rs, {full:true}) replacing the same ruleset (add+delete+fill of both tables in one transaction)');
  ctx.log('  lib = libnftables in-process, cli = one `nft -f` process via ip netns exec; text = nft language (anonymous sets hoisted), json = nft -j');
  for (const g of sizes) {
    const rs = rulesetOf(treeFiles(g, 50, 0));
    ctx.log(`  ${g} guests x 50 rules (${fmtSize(rulesetSize(rs))})`);
    // JSON at 1,000 guests does not finish on nft 1.0.6 (minutes of CPU, GBs); one text sample there
    const variants = g >= 1000 ? VARIANTS.slice(0, 1) : VARIANTS;
    for (const v of variants) {
      const applier = new NftApplier({ netns: lab.host, nft: v.nft, input: v.input, precheck: v.precheck });
      const xs: number[] = [];
      for (let i = 0; i < (g >= 1000 ? 1 : repeats); i++) xs.push((await timed(() => applier.apply(rs, { full: true })))[0]);
      ctx.log(`    ${v.label}  ${fmt(xs)}`);
      await applier.stop();
    }
  }
}

/** Incremental changes on one ruleset: one guest's rules edited back and forth, and no-op resyncs. */
async function incremental(ctx: BenchContext, lab: Lab, guests: number, repeats: number): Promise<void> {
  const a = rulesetOf(treeFiles(guests, 50, 0));
  const b = rulesetOf(treeFiles(guests, 50, 0, 0, true));
  const a2 = rulesetOf(treeFiles(guests, 50, 0)); // equal to a, compiled separately (as the daemon does)
  ctx.log(`incremental on ${guests} guests x 50 rules (${fmtSize(rulesetSize(a))})`);
  for (const v of [VARIANTS[0]!, VARIANTS[3]!, VARIANTS[4]!]) {
    const applier = new NftApplier({ netns: lab.host, nft: v.nft, input: v.input, precheck: v.precheck });
    await applier.apply(a, { full: true });
    const edit: number[] = [];
    const noop: number[] = [];
    let cmds = 0;
    for (let i = 0; i < repeats; i++) {
      const [t, r] = await timed(() => applier.apply(i % 2 ? a : b));
      if (r.mode !== 'incremental' || r.changed.join() !== 'guest/1000') throw new Error(`expected an incremental guest/1000 change, got ${r.mode} ${r.changed.join()}`);
      edit.push(t);
      cmds = r.commands;
      const [tn, n] = await timed(() => applier.apply(i % 2 ? a2 : b));
      if (i % 2 && (n.mode !== 'noop' || n.commands !== 0)) throw new Error(`no-op apply sent ${n.commands} commands`);
      if (i % 2) noop.push(tn);
    }
    ctx.log(`  ${v.label}  one guest's rules changed (${cmds} commands: its chains flushed and refilled)  ${fmt(edit)}`);
    ctx.log(`  ${v.label}  no-op resync of a separately compiled equal ruleset (sent 0 commands)  ${fmt(noop)}`);
    await applier.stop();
  }
}

/** One element added/removed in a 100k-element IP set: whole apply, plan alone, bare `nft -f` floor. */
export async function setElement(ctx: BenchContext, lab: Lab, elements: number, repeats: number, guests = 10, compare = true): Promise<void> {
  // compile() is super-linear in IP-set size (10k entries ~5 s, 20k ~70 s on this machine), so the
  // 100k elements are put into the compiled set directly: this measures the apply path only.
  // Both rulesets share every other object (as createCompiler's output does in the daemon).
  const base = rulesetOf(treeFiles(guests, 50, 1));
  const isBig = (x: { source?: string; type: string }): boolean => x.source === 'dc/bigset' && x.type === 'ipv4_addr';
  const withElements = (n: number): Ruleset => ({
    tables: base.tables.map((t) =>
      t.sets.some(isBig)
        ? { ...t, sets: t.sets.map((x) => (isBig(x) ? { ...x, elements: Array.from({ length: n }, (_, i) => `10.${100 + (i >> 15)}.${(i >> 7) & 0xff}.${(i & 0x7f) * 2}`) } : x)) }
        : t,
    ),
  });
  const a = withElements(elements);
  const b = withElements(elements + 1);
  const table = a.tables.find((t) => t.sets.some((s) => s.source === 'dc/bigset' && s.type === 'ipv4_addr'))!;
  const set = table.sets.find((s) => s.source === 'dc/bigset' && s.type === 'ipv4_addr')!;
  const exec = lab.execIn(lab.host);
  const out: Record<string, number[]> = { whole: [], whole1: [], plan: [], floor: [], start: [] };
  for (const [key, v] of compare ? ([['whole', VARIANTS[0]!], ['whole1', VARIANTS[4]!]] as const) : ([['whole', VARIANTS[0]!]] as const)) {
    const applier = new NftApplier({ netns: lab.host, nft: v.nft, input: v.input, precheck: v.precheck });
    await applier.apply(a, { full: true });
    for (let i = 0; i < repeats; i++) {
      const [t, r] = await timed(() => applier.apply(i % 2 ? a : b));
      if (r.mode !== 'incremental' || r.commands !== 1) throw new Error(`expected one element command, got ${r.mode} ${r.commands}`);
      out[key]!.push(t);
    }
    await applier.stop();
  }
  for (let i = 0; i < repeats; i++) out.plan!.push((await timed(async () => plan(i % 2 ? b : a, i % 2 ? a : b)))[0]);
  ctx.log(`one IP-set element with ${set.elements.length} elements in ${table.family} ${table.name} ${set.name} (${guests} guests x 50 rules around it; elements placed into the compiled set, see above)`);
  ctx.log(`  NftApplier.apply, default (plan + libnftables text commit)  ${fmt(out.whole!)}   (goal ≤ 20 ms: ${summarize(out.whole!).p50 <= 20 ? 'met' : 'NOT met'} at p50)`);
  ctx.log(`  plan() alone, in-process (the rest of the ruleset shared)  ${fmt(out.plan!)}   (goal ≤ 1 ms in-process: ${summarize(out.plan!).p50 <= 1 ? 'met' : 'NOT met'} at p50; excludes the kernel)`);
  if (!compare) return;
  ctx.log(`  NftApplier.apply, old path (plan + nft -j -c + nft -j -f)    ${fmt(out.whole1!)}`);
  const applier = new NftApplier({ netns: lab.host });
  await applier.apply(a, { full: true });
  const extra = '10.127.0.1'; // never in the set
  for (let i = 0; i < repeats; i++) {
    const op = i % 2 ? 'delete' : 'add';
    out.floor!.push((await timed(() => runNft(exec, ['-f', '-'], `${op} element ${table.family} ${table.name} ${set.name} { ${extra} }\n`)))[0]);
    out.start!.push((await timed(() => exec.run('true', [])))[0]);
  }
  await applier.stop();
  ctx.log(`  floor: nft -f of the one element command (text)    ${fmt(out.floor!)}`);
  ctx.log(`  process start-up alone: ip netns exec <ns> true    ${fmt(out.start!)}`);
}

export async function benchApply(ctx: BenchContext): Promise<void> {
  const q = ctx.quick;
  ctx.log(`  method: in-process wall time around each call (performance.now), real nft ${q ? '' : ''}in a lab namespace (${PREFIX}h); p50 / p99 (nearest rank) / min`);
  const lab = await Lab.create({ prefix: PREFIX, bridges: [{ name: 'vmbr0' }], guests: [] });
  try {
    await fullApplies(ctx, lab, q ? [10] : [25, 100, 1000], q ? 1 : 3);
    await incremental(ctx, lab, q ? 10 : 100, q ? 4 : 20);
    await setElement(ctx, lab, q ? 10_000 : 100_000, q ? 4 : 6);
    // nft 1.0.6 refetches every set's elements and every named counter before an element change
    if (!q) await setElement(ctx, lab, 100_000, 4, 1000, false);
  } finally {
    await lab.dispose();
  }
}
