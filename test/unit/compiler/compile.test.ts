import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/index.js';
import { resolve } from '../../../src/model/index.js';
import type { Policy } from '../../../src/model/policy.js';
import { compile } from '../../../src/compiler/compile.js';
import { simulateRequest, type SimRequest } from '../../../src/compiler/batch.js';
import type { Chain, Ruleset } from '../../../src/compiler/ruleset.js';
import { conformanceTree } from '../../fixtures/pve-tree.js';

function policyOf(folder: string): Policy {
  const { tree } = loadTree(conformanceTree(folder), 'proxself');
  return resolve(tree, { node: 'proxself', hostIPv4: '172.16.1.2', hostIPv6: 'fd00:172::2', localNetwork: '172.16.1.0/24', now: 1_700_000_000 }).policy;
}
const FACTS = { bridgeConntrack: false };
const chain = (rs: Ruleset, family: string, name: string): Chain => {
  const c = rs.tables.find((t) => t.family === family)!.chains.find((x) => x.name === name);
  if (!c) throw new Error(`no chain ${family}/${name}`);
  return c;
};
const run = (p: Policy, rs: Ruleset, req: SimRequest) => simulateRequest(rs, p, req).action;

describe('compile', () => {
  it('emits no tables when the cluster firewall is off', () => {
    const p = policyOf('test-basic1');
    expect(compile({ ...p, enabled: false }, FACTS)).toEqual({ tables: [] });
  });

  it('filters IPv6 with the same rules (simulate decides the family from the addresses)', () => {
    const p = policyOf('test-basic1');
    const rs = compile(p, FACTS);
    const v6 = { source: 'fd00:1::1', dest: 'fd00:2::2' };
    expect(run(p, rs, { from: 'outside', to: 'vm100', dport: 443, ...v6 })).toBe('ACCEPT');
    expect(run(p, rs, { from: 'outside', to: 'vm100', dport: 22, ...v6 })).toBe('DROP');
    expect(run(p, rs, { from: 'vm100', to: 'outside', dport: 81, ...v6 })).toBe('REJECT');
    expect(run(p, rs, { from: 'outside', to: 'vm100', proto: 'icmpv6', dport: 'neighbor-solicitation', ...v6 })).toBe('ACCEPT');
    expect(run(p, rs, { from: 'outside', to: 'vm100', proto: 'icmpv6', dport: 'echo-request', ...v6 })).toBe('DROP');
    expect(run(p, rs, { from: 'outside', to: 'host', dport: 22, source: 'fd00:1::1' })).toBe('ACCEPT');
  });

  it('names a counter and an origin on every user rule and policy verdict', () => {
    const p = policyOf('test-group1');
    const rs = compile(p, FACTS);
    const inet = rs.tables.find((t) => t.family === 'inet')!;
    const names = new Set(inet.counters.map((c) => c.name));
    const counted = inet.chains.flatMap((c) => c.rules).filter((r) => r.expr.some((s) => 'counter' in s));
    expect(counted.length).toBeGreaterThan(20);
    for (const r of counted) {
      const s = r.expr.find((x) => 'counter' in x) as { counter: { name: string } };
      expect(names.has(s.counter.name)).toBe(true);
      expect(r.origin).toMatch(/^(host|dc|guest\/\d+|group\/[a-z0-9_-]+)\/(in|out)\/\d+$|^guest\/\d+\/policy\/(in|out)\/net\d+$|^guest\/\d+\/ipfilter\/net\d+$|^host\/policy\/(in|out)$/);
    }
    expect(names).toContain('c-guest-100-policy-in-net0');
    expect(names).toContain('c-group-group1-out-3');
  });

  it('logs rate-limited to NFLOG group 0 with pve-firewall\'s prefix', () => {
    const p = policyOf('test-basic1');
    const g = p.guests.find((x) => x.vmid === 100)!;
    g.options = { ...g.options, log_level_in: 'info' };
    const rs = compile(p, FACTS);
    const logRule = chain(rs, 'inet', 'tap100i0-in').rules.find((r) => r.expr.some((s) => 'log' in s))!;
    expect(logRule.expr).toContainEqual({ limit: { rate: 1, per: 'second', burst: 5 } });
    expect(logRule.expr).toContainEqual({ log: { prefix: ':100:6:tap100i0-in: policy DROP: ', group: 0 } });
  });

  it('keeps a guest\'s chains identical when another guest is added or removed', () => {
    const p = policyOf('test-basic1');
    const without = compile({ ...p, guests: p.guests.filter((g) => g.vmid !== 200) }, FACTS);
    const withAll = compile(p, FACTS);
    for (const family of ['inet', 'bridge']) {
      const own = (rs: Ruleset) => rs.tables.find((t) => t.family === family)!.chains.filter((c) => c.owner === 'guest/100');
      expect(own(withAll).length).toBeGreaterThan(0);
      expect(own(without)).toEqual(own(withAll));
    }
    const counters = (rs: Ruleset) => rs.tables[0]!.counters.filter((c) => c.owner === 'guest/100').map((c) => c.name);
    expect(counters(withAll)).toContain('c-guest-100-policy-in-net0');
    expect(counters(without)).toEqual(counters(withAll));
    expect(withAll.tables[0]!.counters.find((c) => c.name === 'c-guest-200-policy-in-net0')?.owner).toBe('guest/200');
  });

  it('host→guest REJECT degrades to DROP in the bridge table (no bridge reject on this kernel)', () => {
    const p = policyOf('test-basic1');
    const g = p.guests.find((x) => x.vmid === 100)!;
    g.options = { ...g.options, policy_in: 'REJECT' };
    const rs = compile(p, FACTS);
    expect(run(p, rs, { from: 'outside', to: 'vm100', dport: 25 })).toBe('REJECT');
    expect(run(p, rs, { from: 'host', to: 'vm100', dport: 25 })).toBe('DROP');
    expect(JSON.stringify(rs.tables.find((t) => t.family === 'bridge'))).not.toContain('"reject"');
  });

  it('puts management before user rules with management_first', () => {
    const p = policyOf('test-default-rules1');
    p.host.rules = [{ ...p.host.rules[0]!, pos: 0, span: { file: 'nodes/proxself/host.fw', line: 1, col: 1 }, direction: 'in', action: { kind: 'verdict', verdict: 'DROP' }, proto: 6, dport: [{ lo: 22, hi: 22 }], log: 'nolog' }];
    const req: SimRequest = { from: 'outside', to: 'host', source: '172.16.1.3', dport: 22 };
    expect(run(p, compile(p, FACTS), req)).toBe('DROP');
    p.host.options = { ...p.host.options, management_first: true };
    expect(run(p, compile(p, FACTS), req)).toBe('ACCEPT');
  });

  it('adds SYN flood protection and conntrack helpers when asked', () => {
    const p = policyOf('test-basic1');
    p.host.options = { ...p.host.options, protection_synflood: true, nf_conntrack_helpers: ['ftp', 'sip'] };
    const rs = compile(p, FACTS);
    const inet = rs.tables.find((t) => t.family === 'inet')!;
    expect(chain(rs, 'inet', 'raw-prerouting').base).toMatchObject({ hook: 'prerouting', priority: -300 });
    expect(inet.sets.find((s) => s.name === 'synflood-v4')).toMatchObject({ flags: ['dynamic', 'timeout'], timeout: 60 });
    expect(inet.ctHelpers?.map((h) => `${h.type}/${h.protocol}`)).toEqual(['ftp/tcp', 'sip/udp', 'sip/tcp']);
    expect(run(p, rs, { from: 'outside', to: 'host', dport: 22 })).toBe('ACCEPT');
  });
});
