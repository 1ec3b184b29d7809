import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import type { AddrMatch, IpSet, Policy } from '../../../src/model/policy.js';
import { resolve } from '../../../src/model/resolve.js';
import type { HostFacts } from '../../../src/model/policy.js';
import { conformanceFolders, conformanceTree } from '../../fixtures/pve-tree.js';

const NODE = 'proxself';
const facts: HostFacts = { node: NODE, hostIPv4: '172.16.1.2', localNetwork: '172.16.1.0/24', now: 1_700_000_000 };
const run = (folder: string) => resolve(loadTree(conformanceTree(folder, NODE), NODE).tree, facts);
const text = (s: IpSet | undefined) => s?.entries.map((e) => (e.nomatch ? '!' : '') + (e.item.kind === 'cidr' ? e.item.cidr : `${e.item.from}-${e.item.to}`));
const set = (p: Policy, id: string) => p.sets.find((s) => s.id === id);
const lit = (cidr: string): AddrMatch => ({ kind: 'literal', family: 4, items: [{ kind: 'cidr', family: 4, cidr }] });
const guest = (p: Policy, vmid: number) => p.guests.find((g) => g.vmid === vmid);

const folders = conformanceFolders();

describe('conformance folders resolve', () => {
  it.each(folders)('%s: deterministic, every guest of the inventory, standard sets present', (folder) => {
    const a = run(folder);
    expect(run(folder)).toEqual(a);
    expect(a.policy.enabled).toBe(true);
    expect(a.policy.guests.map((g) => g.vmid)).toEqual([100, 101, 110, 200, 201]);
    expect(text(set(a.policy, 'dc/management'))).toContain('172.16.1.0/24');
    expect(set(a.policy, 'dc/blacklist')).toBeDefined();
    expect(a.policy.corosync.transport).toBe('udp');
    expect(a.policy.corosync.peers.filter((p) => p.local).map((p) => p.addr)).toEqual(['172.16.1.2', '172.16.2.2']);
    if (folder !== 'test-errors2') expect(a.diagnostics.filter((d) => d.code.startsWith('FW_') && /UNKNOWN$/.test(d.code) && d.code !== 'FW_OPTION_UNKNOWN')).toEqual([]);
  });

  it('test-ipset1: cluster sets with alias members, management and blacklist; host rules use them', () => {
    const { policy } = run('test-ipset1');
    expect(text(set(policy, 'dc/myipset'))).toEqual(['192.168.0.1', '172.16.0.10', '192.168.1.0/24', '10.3.0.0/24', '10.2.0.111']);
    expect(text(set(policy, 'dc/management'))).toEqual(['192.168.128.2', '172.16.1.0/24']);
    expect(text(set(policy, 'dc/blacklist'))).toEqual(['10.0.0.8', '192.168.0.0/24']);
    expect(text(set(policy, 'dc/dmzhosts'))).toEqual(['10.10.10.0/24', '10.10.11.1']);
    expect(policy.host.enabled).toBe(true);
    expect(policy.host.rules.map((r) => [r.direction, r.action, r.source, r.dest, r.proto, r.dport])).toEqual([
      ['in', { kind: 'verdict', verdict: 'REJECT' }, { kind: 'set', setId: 'dc/myipset' }, { kind: 'set', setId: 'dc/dmzhosts' }, 6, [{ lo: 22, hi: 22 }]],
      ['in', { kind: 'verdict', verdict: 'ACCEPT' }, { kind: 'set', setId: 'dc/myipset' }, undefined, 6, [{ lo: 22, hi: 22 }]],
    ]);
  });

  it('test-ipset2: a guest set with a long name is referenced by id', () => {
    const { policy } = run('test-ipset2');
    const id = 'guest/100/a-longer-name-which-translates-into-fnv-digest';
    expect(text(set(policy, id))).toEqual(['1.2.3.4', '1.2.3.5']);
    expect(guest(policy, 100)?.rules[0]?.dest).toEqual({ kind: 'set', setId: id });
  });

  it('test-vm-ipfilter1: explicit sets get link-local + !fe80::/10; net1 has none; empty net2 has no IPv4', () => {
    const { policy } = run('test-vm-ipfilter1');
    expect(text(set(policy, 'guest/100/ipfilter-net0'))).toEqual(['1.2.3.4', '1.2.3.5', 'fe80::c0b:38ff:feb8:b321', '!fe80::/10']);
    expect(text(set(policy, 'guest/100/ipfilter-net2'))).toEqual(['fe80::c0b:38ff:feba:b421', '!fe80::/10']);
    expect(guest(policy, 100)?.nics.map((n) => n.ipfilterSetId)).toEqual(['guest/100/ipfilter-net0', undefined, 'guest/100/ipfilter-net2']);
    expect(policy.host.rules).toMatchObject([{ direction: 'in', source: lit('1.2.3.0/24'), proto: 6, dport: [{ lo: 80, hi: 80 }] }]);
  });

  it('test-vm-ipfilter2: `ipfilter: 1` on a CT implies a set with exactly its address', () => {
    const { policy } = run('test-vm-ipfilter2');
    const s = set(policy, 'guest/200/ipfilter-net0');
    expect(s?.entries.filter((e) => e.item.family === 4).map((e) => e.item)).toEqual([{ kind: 'cidr', family: 4, cidr: '10.0.200.1' }]);
    expect(text(s)).toContain('!fe80::/10');
    expect(guest(policy, 200)?.nics[0]).toMatchObject({ iface: 'veth200i0', ipfilterSetId: 'guest/200/ipfilter-net0' });
  });

  it('test-errors2: the rules with unknown names are errors at their lines; the valid rule stays', () => {
    const parsed = loadTree(conformanceTree('test-errors2', NODE), NODE);
    const { policy, diagnostics } = resolve(parsed.tree, facts);
    const errors = [...parsed.diagnostics, ...diagnostics].filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.file, d.line])).toEqual([
      ['firewall/100.fw', 7],
      ['firewall/100.fw', 8],
    ]);
    expect(guest(policy, 100)?.rules.map((r) => [r.proto, r.dport])).toEqual([[6, [{ lo: 80, hi: 80 }]]]);
  });

  it('test-errors1/3: a port without protocol drops only that rule', () => {
    expect(guest(run('test-errors1').policy, 100)?.rules.map((r) => r.dport)).toEqual([[{ lo: 82, hi: 82 }]]);
    expect(run('test-errors3').policy.host.rules).toEqual([]);
  });

  it('test-group1: groups resolved, GROUP rules jump both ways (and forward from host/cluster), -i netN kept', () => {
    const { policy } = run('test-group1');
    expect(policy.groups.map((g) => [g.name, g.rules.length])).toEqual([
      ['group1', 4],
      ['group2', 1],
      ['group3', 1],
    ]);
    expect(policy.host.rules.map((r) => [r.direction, r.action])).toEqual([
      ['in', { kind: 'group', group: 'group1' }],
      ['out', { kind: 'group', group: 'group1' }],
      ['forward', { kind: 'group', group: 'group1' }], // host/cluster groups reach FORWARD too
    ]);
    expect(guest(policy, 100)?.rules.filter((r) => r.action.kind === 'group').map((r) => r.iface)).toEqual(['net0', 'net0']);
  });

  it('test-vm-aliases1: guest aliases resolve in OUT rules', () => {
    const rules = guest(run('test-vm-aliases1').policy, 100)?.rules;
    expect(rules?.map((r) => [r.direction, r.source, r.dest])).toEqual([
      ['out', lit('1.2.3.4'), undefined],
      ['out', undefined, lit('1.2.3.5')],
    ]);
  });

  it('test-basic1 / test-default-rules1 / test-unconfigured: enabled guests and options', () => {
    const basic = run('test-basic1').policy;
    expect(basic.guests.filter((g) => g.enabled).map((g) => g.vmid)).toEqual([100, 200]);
    expect(basic.host.rules.map((r) => [r.direction, r.iface, r.dport?.[0]?.lo])).toEqual([
      ['out', undefined, 81],
      ['in', undefined, 22],
      ['in', 'vmbr0', 100],
      ['in', 'vmbr1', 101],
    ]);
    expect(guest(basic, 100)?.rules.map((r) => [r.icmpType?.type, r.icmpType?.code])).toEqual([[undefined, undefined], [0, undefined], [3, 1], [undefined, undefined]]);
    const def = run('test-default-rules1').policy;
    expect(def.cluster.policy_out).toBe('DROP');
    expect(def.guests.filter((g) => g.enabled).map((g) => g.vmid)).toEqual([101, 201]);
    const unconf = run('test-unconfigured').policy;
    expect(unconf.host.enabled).toBe(true);
    expect(guest(unconf, 101)).toMatchObject({ enabled: true, rules: [], options: { policy_in: 'DROP' } });
  });
});
