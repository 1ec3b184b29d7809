import { describe, expect, it } from 'vitest';
import { accept, drop, eq, goto, jump, mark, markHas, meta, ne, orMark, payload, ret, setMark } from '../../../src/compiler/expr.js';
import type { Chain, NamedMap, NamedSet, Rule, Ruleset, Statement } from '../../../src/compiler/ruleset.js';
import { simulate, SimError, type HookStep, type SimPacket } from '../../../src/compiler/simulate.js';

const r = (...expr: Statement[]): Rule => ({ expr });
const base = (name: string, hook: HookStep['hook'], rules: Rule[], policy: 'accept' | 'drop' = 'accept', priority = 0): Chain =>
  ({ name, base: { type: 'filter', hook, priority, policy }, rules, owner: 'core' });
const chain = (name: string, rules: Rule[]): Chain => ({ name, rules, owner: 'core' });
const inet = (chains: Chain[], sets: NamedSet[] = [], maps: NamedMap[] = []): Ruleset =>
  ({ tables: [{ family: 'inet', name: 't', chains, sets, maps, counters: [] }] });
const tcp = (dport: number, saddr = '10.0.0.1', daddr = '10.0.0.2'): SimPacket => ({ family: 4, proto: 6, saddr, daddr, dport });
const IN: HookStep[] = [{ family: 'inet', hook: 'input', iifname: 'eth0' }];
const dport = (v: number) => eq(payload('th', 'dport'), v);
const saddr = (ref: string) => eq(payload('ip', 'saddr'), { ref });

describe('simulate', () => {
  it('falls through to the base chain policy', () => {
    expect(simulate(inet([base('in', 'input', [r(dport(22), accept)], 'drop')]), tcp(22), IN).action).toBe('ACCEPT');
    expect(simulate(inet([base('in', 'input', [r(dport(22), accept)], 'drop')]), tcp(23), IN).action).toBe('DROP');
  });

  it('matches interval sets with prefixes and ranges, per family', () => {
    const set: NamedSet = { name: 's4', type: 'ipv4_addr', flags: ['interval'], owner: 'core',
      elements: ['192.0.2.7', { prefix: { addr: '10.1.0.0', len: 16 } }, { range: ['172.16.0.10', '172.16.0.20'] }] };
    const rs = inet([base('in', 'input', [r(saddr('s4'), accept)], 'drop')], [set]);
    for (const [addr, want] of [['192.0.2.7', 'ACCEPT'], ['192.0.2.8', 'DROP'], ['10.1.255.255', 'ACCEPT'], ['10.2.0.0', 'DROP'],
      ['172.16.0.10', 'ACCEPT'], ['172.16.0.20', 'ACCEPT'], ['172.16.0.21', 'DROP']] as const) {
      expect(simulate(rs, tcp(1, addr), IN).action, addr).toBe(want);
    }
    // an IPv6 packet has no `ip saddr`: neither == nor != matches
    const v6: SimPacket = { family: 6, proto: 6, saddr: 'fd00::1', daddr: 'fd00::2', dport: 1 };
    expect(simulate(inet([base('in', 'input', [r(ne(payload('ip', 'saddr'), { ref: 's4' }), drop)])], [set]), v6, IN).action).toBe('ACCEPT');
  });

  it('matches anonymous sets of ports and ranges', () => {
    const rs = inet([base('in', 'input', [r(eq(payload('th', 'dport'), { set: [22, { range: [5900, 5999] }] }), accept)], 'drop')]);
    expect(simulate(rs, tcp(5950), IN).action).toBe('ACCEPT');
    expect(simulate(rs, tcp(6000), IN).action).toBe('DROP');
    expect(simulate(rs, { family: 4, proto: 1, saddr: '10.0.0.1', daddr: '10.0.0.2', icmpType: 8 }, IN).action).toBe('DROP');
  });

  it('jump returns to the next rule, goto returns to the caller of the caller', () => {
    const rs = inet([
      chain('leaf', [r(dport(1), drop), r(ret), r(accept)]),
      chain('mid', [r(goto('leaf')), r(drop)]),
      base('in', 'input', [r(jump('mid')), r(dport(2), { reject: { type: 'tcp reset' } })], 'accept'),
    ]);
    expect(simulate(rs, tcp(1), IN).action).toBe('DROP'); // drop inside leaf
    expect(simulate(rs, tcp(2), IN).action).toBe('REJECT'); // leaf returned past mid's `drop`
    expect(simulate(rs, tcp(3), IN).action).toBe('ACCEPT');
  });

  it('dispatches through verdict maps keyed by a masked mark, misses fall through', () => {
    const vmap: NamedMap = { name: 'm', type: 'mark', kind: 'vmap', flags: [], owner: 'core',
      entries: [{ key: 5, value: { jump: { target: 'g5' } } }] };
    const rs = inet([
      chain('g5', [r(dport(80), drop)]),
      base('in', 'input', [r({ vmap: { key: { '&': [mark, 0xff] }, data: { ref: 'm' } } }), r(dport(80), accept)], 'drop'),
    ], [], [vmap]);
    expect(simulate(rs, { ...tcp(80), mark: 0x105 }, IN).action).toBe('DROP');
    expect(simulate(rs, { ...tcp(80), mark: 0x106 }, IN).action).toBe('ACCEPT');
  });

  it('carries marks across hooks and tables in priority order; accept ends only one base chain', () => {
    const rs: Ruleset = { tables: [
      { family: 'bridge', name: 'b', sets: [], maps: [], counters: [], chains: [base('pre', 'prerouting', [r(eq(meta('iifname'), 'tap1'), setMark(0x10))], 'accept', -300)] },
      { family: 'inet', name: 't', sets: [], maps: [], counters: [], chains: [
        base('late', 'forward', [r(markHas(0x80000000), drop)], 'accept', 10),
        base('early', 'forward', [r(markHas(0x10), orMark(0x80000000), accept)], 'accept', 0),
      ] },
    ] };
    const path: HookStep[] = [{ family: 'bridge', hook: 'prerouting', iifname: 'tap1' }, { family: 'inet', hook: 'forward', iifname: 'br0', oifname: 'br0' }];
    const res = simulate(rs, tcp(1), path);
    expect(res.action).toBe('DROP');
    expect(res.trace.map((t) => `${t.chain}:${t.effect}`)).toEqual(['pre:policy accept', 'early:accept', 'late:drop']);
    expect(simulate(rs, tcp(1), [{ family: 'bridge', hook: 'prerouting', iifname: 'eth0' }, path[1]!]).action).toBe('ACCEPT');
  });

  it('treats ct state as new unless told, and a limit `over` as not exceeded', () => {
    const rs = inet([base('in', 'input', [
      r({ match: { op: 'in', left: { ct: { key: 'state' } }, right: { set: ['established', 'related'] } } }, accept),
      r({ limit: { rate: 1, per: 'second', burst: 1, inv: true } }, accept),
      r({ limit: { rate: 1, per: 'second', burst: 1 } }, { log: { prefix: 'x', group: 0 } }),
    ], 'drop')]);
    expect(simulate(rs, tcp(1), IN).action).toBe('DROP');
    expect(simulate(rs, { ...tcp(1), ctState: 'established' }, IN).action).toBe('ACCEPT');
  });

  it('reports a dangling reference as a typed error', () => {
    const rs = inet([base('in', 'input', [r(jump('nowhere'))])]);
    expect(() => simulate(rs, tcp(1), IN)).toThrowError(SimError);
    try {
      simulate(rs, tcp(1), IN);
    } catch (e) {
      expect((e as SimError).code).toBe('unknown-chain');
    }
  });
});
