import { describe, expect, it } from 'vitest';
import { resolve } from '../../../src/model/resolve.js';
import type { PolicyRule } from '../../../src/model/policy.js';
import { alias, aliasRef, CLUSTER, clusterFw, facts, guestFw, HOST, hostFw, ipset, lit, lxc, nic, qemu, rule, setRef, tcp, tree, udp } from './build.js';

const strip = (r: PolicyRule) => ({ ...r, span: undefined });

describe('options and enable', () => {
  it('applies defaults and the cluster enable rule', () => {
    const { policy } = resolve(tree(), facts);
    expect(policy.enabled).toBe(true);
    expect(policy.cluster.policy_in).toBe('DROP');
    expect(policy.cluster.policy_out).toBe('ACCEPT');
    expect(policy.host).toMatchObject({ enabled: true, rules: [] });
    expect(policy.host.options.nosmurfs).toBe(true);
  });

  it('treats `enable: <timestamp>` as on for 60 s', () => {
    const at = (since: number) => resolve(tree({ cluster: clusterFw({ options: { enable: { kind: 'until', since } } }) }), facts).policy.enabled;
    expect(at(facts.now - 60)).toBe(true);
    expect(at(facts.now - 61)).toBe(false);
    expect(resolve(tree({ cluster: undefined }), facts).policy.enabled).toBe(false);
    expect(resolve(tree({ cluster: clusterFw({ options: { enable: { kind: 'off' } } }) }), facts).policy.enabled).toBe(false);
  });

  it('turns the host firewall off only when host.fw says so', () => {
    expect(resolve(tree({ host: hostFw({ options: { enable: false } }) }), facts).policy.host.enabled).toBe(false);
    expect(resolve(tree({ host: hostFw() }), facts).policy.host.enabled).toBe(true);
  });
});

describe('host rules', () => {
  it('puts host.fw rules before cluster.fw rules, with unique positions; disabled rules dropped', () => {
    const t = tree({
      host: hostFw({ rules: [rule(HOST, { type: 'in', action: 'ACCEPT', proto: tcp, dport: [{ lo: 22, hi: 22 }] }), rule(HOST, { type: 'out', action: 'REJECT', enabled: false })] }),
      cluster: clusterFw({ rules: [rule(CLUSTER, { type: 'in', action: 'DROP', iface: 'vmbr0' })] }),
    });
    const rules = resolve(t, facts).policy.host.rules;
    expect(rules.map((r) => [r.pos, r.span.file, r.direction, r.action])).toEqual([
      [0, HOST, 'in', { kind: 'verdict', verdict: 'ACCEPT' }],
      [2, CLUSTER, 'in', { kind: 'verdict', verdict: 'DROP' }],
    ]);
    expect(rules[0]).toMatchObject({ proto: 6, dport: [{ lo: 22, hi: 22 }], log: 'nolog' });
    expect(rules[1]?.iface).toBe('vmbr0');
  });

  it('reports a port without protocol and skips only that rule', () => {
    const bad = rule(HOST, { type: 'in', action: 'ACCEPT', dport: [{ lo: 80, hi: 80 }] });
    const { policy, diagnostics } = resolve(tree({ host: hostFw({ rules: [bad, rule(HOST, { type: 'in', action: 'ACCEPT', proto: udp })] }) }), facts);
    expect(policy.host.rules.map((r) => r.pos)).toEqual([1]);
    expect(diagnostics).toMatchObject([{ file: HOST, line: bad.span.line, code: 'FW_PORT_NEEDS_PROTO', severity: 'error' }]);
  });
});

describe('aliases', () => {
  const g = (rules: ReturnType<typeof rule>[]) =>
    tree({
      cluster: clusterFw({ aliases: [alias(CLUSTER, 'srv', '10.2.0.1'), alias(CLUSTER, 'only_dc', '10.9.0.0/16')] }),
      guestFw: new Map([[100, guestFw(100, { aliases: [alias('firewall/100.fw', 'srv', '192.168.0.1')], rules })]]),
      guests: [qemu(100, [nic(0)])],
    });

  it('looks up the guest first, then the cluster; dc/ pins the cluster', () => {
    const F = 'firewall/100.fw';
    const { policy, diagnostics } = resolve(
      g([rule(F, { type: 'in', action: 'ACCEPT', source: aliasRef('srv') }), rule(F, { type: 'in', action: 'ACCEPT', source: aliasRef('srv', 'dc') }), rule(F, { type: 'out', action: 'DROP', dest: aliasRef('only_dc') })]),
      facts,
    );
    expect(diagnostics).toEqual([]);
    const src = policy.guests[0]?.rules.map((r) => r.source ?? r.dest);
    expect(src).toEqual([
      { kind: 'literal', family: 4, items: [{ kind: 'cidr', family: 4, cidr: '192.168.0.1' }] },
      { kind: 'literal', family: 4, items: [{ kind: 'cidr', family: 4, cidr: '10.2.0.1' }] },
      { kind: 'literal', family: 4, items: [{ kind: 'cidr', family: 4, cidr: '10.9.0.0/16' }] },
    ]);
    expect(policy.guests[0]?.rules.map((r) => r.family)).toEqual([4, 4, 4]);
  });

  it('reports an unknown alias at the option span and skips the rule (test-errors2)', () => {
    const F = 'firewall/100.fw';
    const bad = rule(F, { type: 'in', action: 'ACCEPT', source: aliasRef('non-existing-alias') });
    const badSet = rule(F, { type: 'in', action: 'ACCEPT', source: setRef('non-existing-ipset') });
    const { policy, diagnostics } = resolve(g([bad, badSet, rule(F, { type: 'in', action: 'ACCEPT', proto: tcp, dport: [{ lo: 80, hi: 80 }] })]), facts);
    expect(policy.guests[0]?.rules.map((r) => r.pos)).toEqual([2]);
    expect(diagnostics.map((d) => [d.file, d.line, d.col, d.code, d.severity])).toEqual([
      [F, bad.span.line, 20, 'FW_ALIAS_UNKNOWN', 'error'],
      [F, badSet.span.line, 20, 'FW_IPSET_UNKNOWN', 'error'],
    ]);
  });

  it('uses the cluster alias local_network, else the host fact', () => {
    expect(resolve(tree(), facts).policy.localNetwork).toBe('172.16.1.0/24');
    const own = resolve(tree({ cluster: clusterFw({ aliases: [alias(CLUSTER, 'local_network', '10.10.0.0/16')] }) }), facts).policy;
    expect(own.localNetwork).toBe('10.10.0.0/16');
    expect(own.sets.find((s) => s.id === 'dc/management')?.entries.map((e) => e.item)).toEqual([{ kind: 'cidr', family: 4, cidr: '10.10.0.0/16' }]);
  });
});

describe('families', () => {
  it('rejects mixed families in one rule', () => {
    const r = rule(HOST, { type: 'in', action: 'ACCEPT', proto: { name: 'icmpv6', num: 58 }, source: lit('1.2.3.4') });
    const { policy, diagnostics } = resolve(tree({ host: hostFw({ rules: [r] }) }), facts);
    expect(policy.host.rules).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: 'FW_RULE_FAMILY_CONFLICT', line: r.span.line, col: 20 }]);
  });

  it('restricts a rule by its addresses and ICMP type', () => {
    const rs = [rule(HOST, { type: 'in', action: 'ACCEPT', dest: lit('fd00::1', 6) }), rule(HOST, { type: 'in', action: 'ACCEPT', proto: { name: 'icmp', num: 1 }, icmpType: { family: 4, name: 'echo-request', type: 8 } })];
    const out = resolve(tree({ host: hostFw({ rules: rs }) }), facts).policy.host.rules;
    expect(out.map((r) => r.family)).toEqual([6, 4]);
    expect(out[1]?.icmpType).toEqual({ family: 4, name: 'echo-request', type: 8 });
  });
});

describe('macros', () => {
  const run = (r: Parameters<typeof rule>[1]) => {
    const x = rule(HOST, r);
    const out = resolve(tree({ host: hostFw({ rules: [rule(HOST, { type: 'in', action: 'DROP' }), x] }) }), facts);
    return { rules: out.policy.host.rules.filter((p) => p.pos === 1), diagnostics: out.diagnostics, line: x.span.line };
  };

  it('expands into one rule per entry, all with the same pos and the user addresses', () => {
    const { rules } = run({ type: 'in', action: 'ACCEPT', macro: 'DNS', source: lit('10.0.0.0/8') });
    expect(rules.map((r) => ({ proto: r.proto, dport: r.dport, pos: r.pos, macro: r.macro, family: r.family }))).toEqual([
      { proto: 17, dport: [{ lo: 53, hi: 53 }], pos: 1, macro: 'DNS', family: 4 },
      { proto: 6, dport: [{ lo: 53, hi: 53 }], pos: 1, macro: 'DNS', family: 4 },
    ]);
    expect(rules.every((r) => r.source?.kind === 'literal')).toBe(true);
  });

  it('gives Ping an ICMP entry for IPv4 and an ICMPv6 entry for IPv6', () => {
    const both = run({ type: 'in', action: 'ACCEPT', macro: 'Ping' }).rules;
    expect(both.map((r) => [r.family, r.proto, r.icmpType?.type])).toEqual([
      [4, 1, 8],
      [6, 58, 128],
    ]);
    const v6 = run({ type: 'in', action: 'ACCEPT', macro: 'Ping', source: lit('fd00::/8', 6) }).rules;
    expect(v6.map((r) => [r.family, r.proto])).toEqual([[6, 58]]);
  });

  it('adds user ports the macro leaves open and rejects ones it sets differently', () => {
    const gre = run({ type: 'in', action: 'ACCEPT', macro: 'SSH', proto: tcp, dport: [{ lo: 22, hi: 22 }] });
    expect(gre.diagnostics).toEqual([]);
    expect(gre.rules).toHaveLength(1);
    const bad = run({ type: 'in', action: 'ACCEPT', macro: 'SSH', proto: tcp, dport: [{ lo: 2222, hi: 2222 }] });
    expect(bad.rules).toEqual([]);
    expect(bad.diagnostics).toMatchObject([{ code: 'FW_MACRO_CONFLICT', line: bad.line, severity: 'error' }]);
    const sport = run({ type: 'in', action: 'ACCEPT', macro: 'HTTP', sport: [{ lo: 1024, hi: 65535 }] });
    expect(sport.rules[0]).toMatchObject({ proto: 6, dport: [{ lo: 80, hi: 80 }], sport: [{ lo: 1024, hi: 65535 }] });
  });

  it('yields nothing (with a warning) for an IPv6-only macro on an IPv4 rule', () => {
    const { rules, diagnostics } = run({ type: 'in', action: 'ACCEPT', macro: 'DHCPv6', source: lit('10.0.0.1') });
    expect(rules).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: 'FW_MACRO_FAMILY_EMPTY', severity: 'warning' }]);
  });

  it('reports an unknown macro', () => {
    expect(run({ type: 'in', action: 'ACCEPT', macro: 'NoSuchMacro' }).diagnostics).toMatchObject([{ code: 'FW_MACRO_UNKNOWN', col: 4 }]);
  });
});

describe('IP sets', () => {
  it('builds cluster sets with alias members, management + local_network and an always-present blacklist', () => {
    const t = tree({
      cluster: clusterFw({
        aliases: [alias(CLUSTER, 'mynet', '10.3.0.0/24'), alias(CLUSTER, 'v6', 'FD00::1', 6)],
        ipsets: [ipset(CLUSTER, 'management', ['192.168.128.2']), ipset(CLUSTER, 'myipset', ['192.168.0.1/32', { alias: 'mynet' }, { alias: 'v6' }, { nomatch: '192.168.0.0/30' }, { alias: 'nope' }])],
      }),
    });
    const { policy, diagnostics } = resolve(t, facts);
    expect(policy.sets.map((s) => s.id)).toEqual(['dc/blacklist', 'dc/management', 'dc/myipset']);
    const items = (id: string) => policy.sets.find((s) => s.id === id)?.entries.map((e) => (e.nomatch ? '!' : '') + (e.item.kind === 'cidr' ? e.item.cidr : ''));
    expect(items('dc/management')).toEqual(['192.168.128.2', '172.16.1.0/24']);
    expect(items('dc/myipset')).toEqual(['192.168.0.1', '10.3.0.0/24', 'fd00::1', '!192.168.0.0/30']);
    expect(items('dc/blacklist')).toEqual([]);
    expect(diagnostics).toMatchObject([{ code: 'FW_ALIAS_UNKNOWN', file: CLUSTER, line: 15 }]);
  });

  it('resolves +name, +dc/name and +guest/name to set ids', () => {
    const F = 'firewall/100.fw';
    const t = tree({
      cluster: clusterFw({ ipsets: [ipset(CLUSTER, 'web', ['10.0.0.1'])] }),
      guestFw: new Map([[100, guestFw(100, { ipsets: [ipset(F, 'web', ['10.0.0.2'])], rules: [rule(F, { type: 'in', action: 'ACCEPT', source: setRef('web') }), rule(F, { type: 'in', action: 'ACCEPT', source: setRef('web', 'dc') }), rule(F, { type: 'in', action: 'ACCEPT', source: setRef('blacklist') })] })]]),
      guests: [qemu(100, [nic(0)])],
      host: hostFw({ rules: [rule(HOST, { type: 'in', action: 'ACCEPT', source: setRef('web', 'guest') })] }),
    });
    const { policy, diagnostics } = resolve(t, facts);
    expect(policy.guests[0]?.rules.map((r) => r.source)).toEqual([
      { kind: 'set', setId: 'guest/100/web' },
      { kind: 'set', setId: 'dc/web' },
      { kind: 'set', setId: 'dc/blacklist' },
    ]);
    expect(diagnostics).toMatchObject([{ code: 'FW_SCOPE_NOT_ALLOWED', file: HOST }]);
  });
});

describe('ipfilter sets', () => {
  const F = 'firewall/100.fw';
  it('adds link-local and !fe80::/10 to an explicit set; an empty one allows no IPv4 (test-vm-ipfilter1)', () => {
    const t = tree({
      guestFw: new Map([[100, guestFw(100, { ipsets: [ipset(F, 'ipfilter-net0', ['1.2.3.4']), ipset(F, 'ipfilter-net2', [])] })]]),
      guests: [qemu(100, [nic(0), nic(1, { mac: '0E:0B:38:B9:B4:21' }), nic(2, { mac: '0E:0B:38:BA:B4:21' })])],
    });
    const { policy } = resolve(t, facts);
    const net2 = policy.sets.find((s) => s.id === 'guest/100/ipfilter-net2');
    expect(net2?.entries).toEqual([
      { item: { kind: 'cidr', family: 6, cidr: 'fe80::c0b:38ff:feba:b421' }, nomatch: false },
      { item: { kind: 'cidr', family: 6, cidr: 'fe80::/10' }, nomatch: true },
    ]);
    expect(policy.sets.find((s) => s.id === 'guest/100/ipfilter-net0')?.entries[0]?.item).toEqual({ kind: 'cidr', family: 4, cidr: '1.2.3.4' });
    expect(policy.guests[0]?.nics.map((n) => [n.iface, n.ipfilterSetId])).toEqual([
      ['tap100i0', 'guest/100/ipfilter-net0'],
      ['tap100i1', undefined],
      ['tap100i2', 'guest/100/ipfilter-net2'],
    ]);
  });

  it('implies a set per firewalled NIC with `ipfilter: 1`, holding a CT\'s address (test-vm-ipfilter2)', () => {
    const t = tree({
      guestFw: new Map([[200, guestFw(200, { options: { enable: true, ipfilter: true } })]]),
      guests: [lxc(200, [nic(0, { mac: '0E:18:24:41:2C:43', ip: '10.0.200.1/24', ip6: 'auto' }), nic(1, { firewall: false })])],
    });
    const { policy } = resolve(t, facts);
    expect(policy.sets.filter((s) => s.vmid === 200).map((s) => s.id)).toEqual(['guest/200/ipfilter-net0']);
    const v4 = policy.sets.find((s) => s.id === 'guest/200/ipfilter-net0')?.entries.filter((e) => e.item.family === 4);
    expect(v4).toEqual([{ item: { kind: 'cidr', family: 4, cidr: '10.0.200.1' }, nomatch: false }]);
    expect(policy.guests[0]?.nics.map((n) => [n.iface, n.ipfilterSetId])).toEqual([
      ['veth200i0', 'guest/200/ipfilter-net0'],
      ['veth200i1', undefined],
    ]);
  });
});

describe('security groups', () => {
  it('resolves groups against the cluster only and checks GROUP references', () => {
    const G = CLUSTER;
    const F = 'firewall/100.fw';
    const t = tree({
      cluster: clusterFw({
        aliases: [alias(CLUSTER, 'net', '192.168.2.0/24')],
        groups: [
          { span: { file: G, line: 30, col: 1 }, name: 'web', rules: [rule(G, { type: 'in', action: 'ACCEPT', source: aliasRef('net') }), rule(G, { type: 'out', action: 'REJECT', source: aliasRef('x', 'guest') })] },
          { span: { file: G, line: 40, col: 1 }, name: 'a', rules: [] },
        ],
      }),
      guestFw: new Map([[100, guestFw(100, { rules: [rule(F, { type: 'group', group: 'web', iface: 'net0' }), rule(F, { type: 'group', group: 'nope' }), rule(F, { type: 'in', action: 'ACCEPT', iface: 'net5' })] })]]),
      guests: [qemu(100, [nic(0)])],
    });
    const { policy, diagnostics } = resolve(t, facts);
    expect(policy.groups.map((g) => g.name)).toEqual(['a', 'web']);
    expect(policy.groups[1]?.rules.map((r) => r.source)).toEqual([{ kind: 'literal', family: 4, items: [{ kind: 'cidr', family: 4, cidr: '192.168.2.0/24' }] }]);
    expect(policy.guests[0]?.rules.map((r) => [r.pos, r.direction, r.action, r.iface])).toEqual([
      [0, 'in', { kind: 'group', group: 'web' }, 'net0'],
      [0, 'out', { kind: 'group', group: 'web' }, 'net0'],
    ]);
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([
      [F, 'FW_GROUP_UNKNOWN'],
      [F, 'FW_IFACE_UNKNOWN'],
      [CLUSTER, 'FW_SCOPE_NOT_ALLOWED'],
    ]);
  });
});

describe('guests and corosync', () => {
  it('lists every guest of the node; enabled only with a .fw saying enable: 1', () => {
    const t = tree({
      guestFw: new Map([
        [100, guestFw(100)],
        [101, guestFw(101, { options: { enable: false } })],
        [999, guestFw(999)],
      ]),
      guests: [lxc(200, [nic(0)]), qemu(101, [nic(0)]), qemu(100, [nic(1), nic(0)])],
    });
    const { policy } = resolve(t, facts);
    expect(policy.guests.map((g) => [g.vmid, g.type, g.enabled, g.nics.map((n) => n.iface)])).toEqual([
      [100, 'qemu', true, ['tap100i0', 'tap100i1']],
      [101, 'qemu', false, ['tap101i0']],
      [200, 'lxc', false, ['veth200i0']],
    ]);
    expect(policy.guests[2]?.options.policy_in).toBe('DROP');
  });

  it('takes IP-literal ring addresses as peers and marks the local node', () => {
    const t = tree({
      node: 'proxself',
      corosync: {
        file: 'corosync.conf',
        transport: 'udp',
        nodes: [
          { name: 'prox1', rings: { 1: '172.16.2.11', 0: '172.16.1.11', 2: 'hostname1' } },
          { name: 'proxself', rings: { 0: '172.16.1.2', 1: 'FD00::2' } },
        ],
      },
    });
    expect(resolve(t, facts).policy.corosync).toEqual({
      transport: 'udp',
      peers: [
        { node: 'prox1', ring: 0, addr: '172.16.1.11', local: false },
        { node: 'prox1', ring: 1, addr: '172.16.2.11', local: false },
        { node: 'proxself', ring: 0, addr: '172.16.1.2', local: true },
        { node: 'proxself', ring: 1, addr: 'fd00::2', local: true },
      ],
    });
  });
});

describe('determinism', () => {
  it('gives deeply equal output for the same input, and does not mutate it', () => {
    const t = tree({
      cluster: clusterFw({ ipsets: [ipset(CLUSTER, 'b', ['10.0.0.1']), ipset(CLUSTER, 'a', ['10.0.0.2'])], rules: [rule(CLUSTER, { type: 'in', action: 'ACCEPT', macro: 'Web', source: setRef('a') })] }),
      guestFw: new Map([[100, guestFw(100, { options: { enable: true, ipfilter: true } })]]),
      guests: [qemu(100, [nic(0)])],
    });
    const before = JSON.stringify([...t.guestFw.values(), t.cluster]);
    const a = resolve(t, facts);
    const b = resolve(t, facts);
    expect(a).toEqual(b);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify([...t.guestFw.values(), t.cluster])).toBe(before);
    expect(a.policy.sets.map((s) => s.id)).toEqual(['dc/a', 'dc/b', 'dc/blacklist', 'dc/management', 'guest/100/ipfilter-net0']);
    expect(a.policy.host.rules.map(strip).map((r) => r.dport)).toEqual([[{ lo: 80, hi: 80 }], [{ lo: 443, hi: 443 }]]);
  });
});
