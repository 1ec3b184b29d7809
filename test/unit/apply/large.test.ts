import { describe, expect, it } from 'vitest';
import { NftApplier } from '../../../src/apply/index.js';
import { diffList, elemKey } from '../../../src/apply/elements.js';
import { fullPlan, plan } from '../../../src/apply/plan.js';
import type { NftBackend } from '../../../src/apply/backend.js';
import { renderJson, toDocument, type NftJson } from '../../../src/backend/nft/json.js';
import { opsText } from '../../../src/backend/nft/ops.js';
import type { Ruleset } from '../../../src/compiler/ruleset.js';
import { syntheticRuleset } from '../../../bench/compile.js';

/** Records what reaches it; text when the applier sends text. */
class Recorder implements NftBackend {
  readonly sent: { dryRun: boolean; input: string }[] = [];
  check(doc: NftJson): Promise<void> {
    this.sent.push({ dryRun: true, input: JSON.stringify(doc) });
    return Promise.resolve();
  }
  apply(doc: NftJson): Promise<void> {
    this.sent.push({ dryRun: false, input: JSON.stringify(doc) });
    return Promise.resolve();
  }
  runText(text: string, dryRun: boolean): Promise<void> {
    this.sent.push({ dryRun, input: text });
    return Promise.resolve();
  }
}

const withSet = (rs: Ruleset, elements: string[]): Ruleset => ({
  tables: rs.tables.map((t, i) =>
    i === 1 ? { ...t, sets: t.sets.map((s, j) => (j === 0 ? { ...s, elements } : s)) } : t,
  ),
});
const addr = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

describe('apply at 1,000 guests x 50 rules', { timeout: 120_000 }, () => {
  const rs = syntheticRuleset(1000, 50);

  it('renders the full replacement without overflowing the stack (JSON and text)', () => {
    const p = fullPlan(rs);
    const cmds = p.commands;
    expect(cmds.length).toBeGreaterThan(250_000);
    expect(p.count).toBe(cmds.length);
    expect(toDocument(cmds).nftables).toHaveLength(cmds.length + 1);
    expect(renderJson(rs).nftables).toHaveLength(cmds.length + 1);
    const text = opsText(p.ops);
    expect(text.split('\n').filter((l) => l.includes('counter name')).length).toBeGreaterThan(90_000);
  }, 120_000);

  it('a no-op of an equal, separately compiled ruleset sends nothing; a one-guest change refills only it', async () => {
    const again = syntheticRuleset(1000, 50);
    expect(plan(rs, again)).toMatchObject({ mode: 'noop', count: 0 });
    const edited: Ruleset = structuredClone(again);
    const chain = edited.tables[1]!.chains.find((c) => c.owner === 'guest/1000')!;
    chain.rules.push({ expr: [{ drop: null }] });
    const p = plan(again, edited);
    expect(p.mode).toBe('incremental');
    expect(p.changed).toEqual(['guest/1000']);
    expect(opsText(p.ops)).not.toMatch(/guest-1001|g1001/);
  }, 60_000);

  it('one element changed among 100k is one element command (in text through a text backend)', async () => {
    const big = Array.from({ length: 100_000 }, (_, i) => addr(i * 2));
    const a = withSet(rs, big);
    const b = withSet(rs, [...big.slice(0, 50_000), '10.200.0.1', ...big.slice(50_000)]);
    const rec = new Recorder();
    const applier = new NftApplier({ backend: rec, state: { version: 1, ruleset: a } });
    const r = await applier.apply(b);
    expect(r).toMatchObject({ mode: 'incremental', commands: 1, input: 'text' });
    expect(rec.sent).toHaveLength(1); // no precheck by default
    expect(rec.sent[0]).toEqual({ dryRun: false, input: expect.stringMatching(/^add element \S+ fwctl \S+ \{ 10\.200\.0\.1 \}\n$/) });
  });
});

describe('diffList', () => {
  const d = (a: string[], b: string[]): [string[], string[]] => {
    const r = diffList(a, b, elemKey);
    return [r.removed, r.added];
  };
  it('finds changes at the ends, in the middle, and ignores moves', () => {
    expect(d(['a', 'b', 'c'], ['a', 'b', 'c'])).toEqual([[], []]);
    expect(d(['a', 'b', 'c'], ['a', 'x', 'c'])).toEqual([['b'], ['x']]);
    expect(d(['a', 'b', 'c'], ['b', 'c', 'd'])).toEqual([['a'], ['d']]);
    expect(d(['a', 'b', 'c'], ['c', 'b', 'a'])).toEqual([[], []]);
    expect(d(['a', 'b', 'c', 'd'], ['b', 'a', 'd', 'c', 'e'])).toEqual([[], ['e']]);
    expect(d([], ['a'])).toEqual([[], ['a']]);
    expect(d(['a'], [])).toEqual([['a'], []]);
  });
  it('compares structured elements by value', () => {
    const r = diffList([{ prefix: { addr: '10.0.0.0', len: 8 } }, '10.1.0.1'], [{ prefix: { addr: '10.0.0.0', len: 8 } }, { range: ['10.2.0.1', '10.2.0.9'] }], elemKey);
    expect(r).toEqual({ removed: ['10.1.0.1'], added: [{ range: ['10.2.0.1', '10.2.0.9'] }] });
  });
});
