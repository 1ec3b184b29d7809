import { describe, expect, it } from 'vitest';
import { fullPlan, plan } from '../../../src/apply/plan.js';
import { RenderError } from '../../../src/backend/nft/errors.js';
import { opsText, type NftOp } from '../../../src/backend/nft/ops.js';
import type { NamedSet, Ruleset } from '../../../src/compiler/ruleset.js';
import { sampleRuleset } from './sample.js';

const inet = { family: 'inet' as const, name: 'fwctl' };
const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof RenderError ? e.code : `not a RenderError: ${String(e)}`;
  }
  return undefined;
};
/** Every line of the text that is not inside a quoted string must be one of nft's commands. */
const quotedOut = (text: string): string => text.replace(/"[^"\n]*"/g, '""');

describe('nft text path (full replacements, refills, element changes)', () => {
  it('a hostile comment stays one quoted string in every op that carries one', () => {
    const evil = 'x"; flush ruleset; add rule inet fwctl forward drop comment "\n\\flush ruleset';
    const rs = sampleRuleset({ comment: evil });
    const t = rs.tables[1]!;
    t.counters.push({ name: 'c-evil', owner: 'core', comment: evil });
    t.chains[0]!.comment = evil;
    t.sets[0]!.comment = evil;
    const set: NamedSet = { ...t.sets[0]!, name: 'dc-new', comment: evil };
    const ops: NftOp[] = [
      ...fullPlan(rs).ops,
      { op: 'addChain', t: inet, chain: { name: 'x1', owner: 'core', rules: [], comment: evil } },
      { op: 'addRule', t: inet, chain: 'x1', rule: { expr: [{ log: { prefix: evil } }, { accept: null }], comment: evil } },
      { op: 'addCounter', t: inet, counter: { name: 'c-x', owner: 'core', comment: evil } },
      { op: 'addSet', t: inet, set },
    ];
    const text = opsText(ops);
    const bare = quotedOut(text);
    expect(bare).not.toContain('flush ruleset');
    expect(bare).not.toContain('\\');
    expect(text.split('\n').filter((l) => l.includes('flush ruleset')).every((l) => (l.match(/"/g) ?? []).length % 2 === 0)).toBe(true);
  });

  it.each([
    ['a set name with a space and semicolon', (rs: Ruleset) => void (rs.tables[1]!.sets[0]!.name = 'x; flush ruleset'), 'E_NFT_NAME'],
    ['a chain name that is a keyword', (rs: Ruleset) => void (rs.tables[1]!.chains[0]!.name = 'ruleset'), 'E_NFT_NAME'],
    ['a base-chain device with a quote', (rs: Ruleset) => void (rs.tables[1]!.chains.find((c) => c.base)!.base!.device = 'eth0"; flush'), 'E_NFT_IFNAME'],
    ['a set element that is no address', (rs: Ruleset) => void rs.tables[1]!.sets[0]!.elements.push('1.2.3.4 } ; flush ruleset ; {'), 'E_NFT_ADDR'],
    ['a set type outside the list', (rs: Ruleset) => void ((rs.tables[1]!.sets[0] as { type: string }).type = 'ipv4_addr; flush ruleset'), 'E_NFT_VALUE'],
    ['a hook outside the list', (rs: Ruleset) => void ((rs.tables[1]!.chains.find((c) => c.base)!.base as { hook: string }).hook = 'input; flush ruleset'), 'E_NFT_VALUE'],
    ['a family outside the list', (rs: Ruleset) => void ((rs.tables[1] as { family: string }).family = 'inet fwctl; flush ruleset; table inet'), 'E_NFT_VALUE'],
  ])('refuses %s in a full replacement', (_name, edit, code) => {
    const rs = sampleRuleset();
    edit(rs);
    expect(codeOf(() => opsText(fullPlan(rs).ops))).toBe(code);
  });

  it('refuses a hostile interface name and set name in incremental element ops', () => {
    const t = sampleRuleset().tables[1]!;
    const ifset: NamedSet = { name: 'ifs', type: 'ifname', flags: [], elements: [], owner: 'core' };
    expect(codeOf(() => opsText([{ op: 'setElements', verb: 'add', t: inet, set: ifset, elems: ['tap1"; flush ruleset; "'] }]))).toBe('E_NFT_IFNAME');
    const bad = { ...t.sets[0]!, name: 'a b' };
    expect(codeOf(() => opsText([{ op: 'setElements', verb: 'add', t: inet, set: bad, elems: ['10.0.0.1'] }]))).toBe('E_NFT_NAME');
    expect(codeOf(() => opsText([{ op: 'flushChain', t: inet, name: 'x\nflush ruleset' }]))).toBe('E_NFT_NAME');
  });

  it('renders an incremental plan as nft commands: element changes, refills', () => {
    const p = plan(sampleRuleset({ blacklist: ['10.0.0.1'] }), sampleRuleset({ blacklist: ['10.0.0.2'], g100Ports: [22, 443] }));
    const text = opsText(p.ops);
    expect(text).toContain('delete element inet fwctl dc-blacklist-v4 { 10.0.0.1 }');
    expect(text).toContain('add element inet fwctl dc-blacklist-v4 { 10.0.0.2 }');
    expect(text).toContain('flush chain inet fwctl g100-in');
    expect(text).toMatch(/add rule inet fwctl g100-in tcp dport \{ 22, 443 \} accept/);
    expect(text).not.toContain('g200-in');
    expect(p.count).toBe(p.commands.length);
  });

  it('a full replacement declares repeated anonymous sets once, as named constant sets', () => {
    const rs = sampleRuleset({ g100Ports: [22, 443], g200Ports: [22, 443] });
    const text = opsText(fullPlan(rs).ops);
    const decl = text.match(/\tset (anon\.\d+) \{\n\t\ttypeof tcp dport\n\t\tflags constant\n\t\telements = \{ 22, 443 \}/);
    expect(decl).not.toBeNull();
    expect(text).toContain(`tcp dport @${decl![1]} accept`);
    expect(text).not.toContain('tcp dport { 22, 443 }');
    // bitmask values (ct state) are not sets and stay inline
    expect(text).toContain('ct state established,related accept');
  });
});
