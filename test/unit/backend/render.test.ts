import { describe, expect, it } from 'vitest';
import { RenderError } from '../../../src/backend/nft/errors.js';
import { renderJson } from '../../../src/backend/nft/json.js';
import { renderText } from '../../../src/backend/nft/text.js';
import type { Ruleset, Statement } from '../../../src/compiler/ruleset.js';
import { sampleRuleset } from './sample.js';

const withRule = (expr: Statement[], comment?: string): Ruleset => {
  const rs = sampleRuleset();
  rs.tables[1]!.chains[1]!.rules.push({ expr, ...(comment !== undefined ? { comment } : {}) });
  return rs;
};
const saddr = (right: string): Statement => ({ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right } });

describe('nft renderers', () => {
  it('renders a full replacement: create-if-missing, delete, then add, per table', () => {
    const doc = renderJson(sampleRuleset());
    const cmds = doc.nftables.slice(1, 4) as object[];
    expect(cmds).toEqual([
      { add: { table: { family: 'bridge', name: 'fwctl' } } },
      { delete: { table: { family: 'bridge', name: 'fwctl' } } },
      { add: { table: { family: 'bridge', name: 'fwctl' } } },
    ]);
  });

  it('declares chains before the vmap that jumps to them', () => {
    const kinds = renderJson(sampleRuleset()).nftables.map((c) => JSON.stringify(c));
    const chainAt = kinds.findIndex((c) => c.includes('"chain":{') && c.includes('o-tap100i0'));
    const mapAt = kinds.findIndex((c) => c.includes('"name":"out_ports"'));
    expect(chainAt).toBeGreaterThan(0);
    expect(mapAt).toBeGreaterThan(chainAt);
  });

  it('is deterministic text', () => {
    expect(renderText(sampleRuleset())).toBe(renderText(sampleRuleset()));
    expect(renderText(sampleRuleset())).toContain('meta mark set iifname map @in_ports');
  });

  it('sanitises comments so they cannot break out of the quoted string', () => {
    const evil = 'x" ; drop ; comment "\\';
    const text = renderText(withRule([{ accept: null }], evil));
    const line = text.split('\n').find((l) => l.includes('comment "x'))!;
    expect(line.match(/"/g)).toHaveLength(2);
    expect(line).not.toContain('\\');
  });

  it.each([
    ['an address with a host name', saddr('evil.example.com'), 'E_NFT_ADDR'],
    ['an out-of-range IPv4', saddr('10.0.0.300'), 'E_NFT_ADDR'],
    ['a v6 address in a v4 field', saddr('fd00::1'), 'E_NFT_ADDR'],
    ['a jump to a keyword', { jump: { target: 'fwd' } } as Statement, 'E_NFT_NAME'],
    ['a chain name with a space', { jump: { target: 'a b' } } as Statement, 'E_NFT_NAME'],
    ['a set ref with a brace', { match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { ref: 'x}' } } } as Statement, 'E_NFT_NAME'],
    ['an ifname with a quote', { match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'tap"1' } } as Statement, 'E_NFT_IFNAME'],
    ['a symbol with a semicolon', { match: { op: '==', left: { payload: { protocol: 'icmp', field: 'type' } }, right: 'echo;drop' } } as Statement, 'E_NFT_VALUE'],
    ['log level with group', { log: { prefix: 'x', level: 'info', group: 1 } } as Statement, 'E_NFT_SHAPE'],
  ])('refuses %s (JSON and text alike)', (_name, stmt, code) => {
    const rs = withRule([stmt, { accept: null }]);
    for (const render of [renderJson, renderText] as ((r: Ruleset) => unknown)[]) {
      let err: unknown;
      try {
        render(rs);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RenderError);
      expect((err as RenderError).code).toBe(code);
    }
  });

  it('validates set elements by the set type', () => {
    expect(() => renderJson(sampleRuleset({ blacklist: ['10.0.0.0/33'] }))).toThrow(RenderError);
    expect(() => renderJson(sampleRuleset({ blacklist: ['host.example'] }))).toThrow(RenderError);
    expect(() => renderJson(sampleRuleset({ blacklist: ['10.0.0.0/8', '192.0.2.1'] }))).not.toThrow();
  });
});
