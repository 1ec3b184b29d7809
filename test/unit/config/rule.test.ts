import { describe, expect, it } from 'vitest';
import { parseFw } from '../../../src/config/fw.js';
import { FILE, rule } from './helpers.js';

describe('rule syntax: valid forms', () => {
  it('parses type, action, proto, ports, comment', () => {
    const { rule: r, diags } = rule('IN ACCEPT -p tcp -dport 22,80:90,https -sport 1024:65535 # allow web');
    expect(diags).toEqual([]);
    expect(r).toMatchObject({
      enabled: true, type: 'in', action: 'ACCEPT', proto: { name: 'tcp', num: 6 },
      dport: [{ lo: 22, hi: 22 }, { lo: 80, hi: 90 }, { lo: 443, hi: 443 }], sport: [{ lo: 1024, hi: 65535 }], comment: 'allow web',
    });
    expect(r?.span).toEqual({ file: FILE, line: 2, col: 1 });
    expect(r?.spans.dport).toEqual({ file: FILE, line: 2, col: 18 });
  });

  it('accepts one or two dashes and -proto', () => {
    const { rule: r, diags } = rule('OUT DROP --proto udp --dport domain -log info');
    expect(diags).toEqual([]);
    expect(r).toMatchObject({ type: 'out', action: 'DROP', proto: { name: 'udp', num: 17 }, dport: [{ lo: 53, hi: 53 }], log: 'info' });
  });

  it('accepts protocol numbers and names', () => {
    expect(rule('IN ACCEPT -p 47').rule?.proto).toEqual({ name: 'gre', num: 47 });
    expect(rule('IN ACCEPT -p ipv6-icmp').rule?.proto).toEqual({ name: 'icmpv6', num: 58 });
    expect(rule('IN ACCEPT -p vrrp').rule?.proto).toEqual({ name: 'vrrp', num: 112 });
    expect(rule('IN ACCEPT -p sctp -dport 9').rule?.dport).toEqual([{ lo: 9, hi: 9 }]);
  });

  it('is case-insensitive for the type, keeps lower case', () => {
    expect(rule('out REJECT').rule).toMatchObject({ type: 'out', action: 'REJECT' });
  });

  it('parses disabled rules and validates them too', () => {
    expect(rule('|IN SSH(ACCEPT) -i net0 # off').rule).toMatchObject({ enabled: false, macro: 'SSH', action: 'ACCEPT', iface: 'net0', comment: 'off' });
    expect(rule('|IN ACCEPT -dport 22').diags).toEqual(['2:12 FW_PORT_NEEDS_PROTO']);
  });

  it('resolves macros case-insensitively to the canonical name', () => {
    expect(rule('IN ssh(ACCEPT)').rule?.macro).toBe('SSH');
    expect(rule('IN http/3(DROP)').rule).toMatchObject({ macro: 'HTTP/3', action: 'DROP' });
    expect(rule('IN neighbordiscovery(ACCEPT)').rule?.macro).toBe('NeighborDiscovery');
  });

  it('accepts a macro parameter equal to the macro value', () => {
    expect(rule('IN SSH(ACCEPT) -p tcp -dport 22').diags).toEqual([]);
  });

  it('checks macro parameters against the entries of the rule family only', () => {
    expect(rule('IN Ping(ACCEPT) -p icmp').diags).toEqual([]);
    expect(rule('IN Ping(ACCEPT) -p icmpv6 -source fe80::1').diags).toEqual([]);
    expect(rule('IN Ping(ACCEPT) -p icmpv6').diags).toEqual([]);
    expect(rule('IN Ping(ACCEPT) -p tcp').diags).toEqual(['2:17 FW_MACRO_CONFLICT']);
    expect(rule('IN DHCPv6(ACCEPT) -p udp').diags).toEqual([]);
  });

  it('parses GROUP rules with -i', () => {
    const g = rule('GROUP MyGroup -i net1').rule;
    expect(g).toMatchObject({ type: 'group', group: 'mygroup', iface: 'net1' });
    expect(g?.action).toBeUndefined();
  });

  it('turns the legacy ICMP type in -dport into icmpType', () => {
    const e = rule('IN ACCEPT -p icmp -dport echo-request').rule;
    expect(e?.icmpType).toEqual({ family: 4, name: 'echo-request', type: 8 });
    expect(e?.dport).toBeUndefined();
    expect(rule('IN ACCEPT -p icmp -dport 3').rule?.icmpType).toEqual({ family: 4, name: '3', type: 3 });
    expect(rule('IN ACCEPT -p icmpv6 -dport neighbor-solicitation').rule?.icmpType).toEqual({ family: 6, name: 'neighbor-solicitation', type: 135 });
  });

  it('parses -icmp-type with family check', () => {
    expect(rule('IN ACCEPT -p icmp -icmp-type host-unreachable').rule?.icmpType).toEqual({ family: 4, name: 'host-unreachable', type: 3, code: 1 });
    expect(rule('IN ACCEPT -p icmpv6 -icmp-type echo-request').rule?.icmpType).toEqual({ family: 6, name: 'echo-request', type: 128 });
    const any = rule('IN ACCEPT -p icmp -icmp-type any');
    expect(any.diags).toEqual([]);
    expect(any.rule?.icmpType).toBeUndefined();
  });

  it('parses address forms', () => {
    expect(rule('IN ACCEPT -source 10.0.0.1').rule?.source).toEqual({ kind: 'literal', family: 4, items: [{ kind: 'cidr', family: 4, cidr: '10.0.0.1/32' }] });
    expect(rule('IN ACCEPT -source 10.0.0.0/8,192.168.1.5').rule?.source).toMatchObject({ family: 4, items: [{ cidr: '10.0.0.0/8' }, { cidr: '192.168.1.5/32' }] });
    expect(rule('IN ACCEPT -dest 10.0.0.1-10.0.0.9').rule?.dest).toEqual({ kind: 'literal', family: 4, items: [{ kind: 'range', family: 4, from: '10.0.0.1', to: '10.0.0.9' }] });
    expect(rule('IN ACCEPT -dest 2001:DB8:0:0::1').rule?.dest).toMatchObject({ family: 6, items: [{ cidr: '2001:db8::1/128' }] });
    expect(rule('IN ACCEPT -source MyAlias').rule?.source).toEqual({ kind: 'alias', scope: undefined, name: 'myalias' });
    expect(rule('IN ACCEPT -source dc/net1').rule?.source).toEqual({ kind: 'alias', scope: 'dc', name: 'net1' });
    expect(rule('IN ACCEPT -source guest/net1').rule?.source).toEqual({ kind: 'alias', scope: 'guest', name: 'net1' });
    expect(rule('IN ACCEPT -source +Set1').rule?.source).toEqual({ kind: 'ipset', scope: undefined, name: 'set1' });
    expect(rule('IN ACCEPT -dest +dc/set1').rule?.dest).toEqual({ kind: 'ipset', scope: 'dc', name: 'set1' });
    expect(rule('IN ACCEPT -dest +guest/set1').rule?.dest).toEqual({ kind: 'ipset', scope: 'guest', name: 'set1' });
  });

  it('allows FORWARD and host interfaces at host and cluster level', () => {
    expect(rule('FORWARD ACCEPT -i vmbr0.100', 'host').rule).toMatchObject({ type: 'forward', iface: 'vmbr0.100' });
    expect(rule('FORWARD DROP', 'cluster').diags).toEqual([]);
  });

  it('counts a range as two port numbers (15 allowed)', () => {
    expect(rule('IN ACCEPT -p tcp -dport 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15').diags).toEqual([]);
    expect(rule('IN ACCEPT -p tcp -dport 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15').diags).toEqual([]);
  });
});

describe('rule syntax: invalid forms (line:col code)', () => {
  const cases: [string, string[], ('guest' | 'host' | 'cluster')?][] = [
    ['IN', ['2:1 FW_RULE_SYNTAX']],
    ['SIDEWAYS ACCEPT', ['2:1 FW_RULE_TYPE']],
    ['FORWARD ACCEPT', ['2:1 FW_RULE_TYPE_NOT_ALLOWED']],
    ['IN ALLOW', ['2:4 FW_RULE_ACTION']],
    ['IN accept', ['2:4 FW_RULE_ACTION']],
    ['IN Nope(ACCEPT)', ['2:4 FW_MACRO_UNKNOWN']],
    ['IN SSH(allow)', ['2:4 FW_RULE_ACTION']],
    ['IN SSH(ACCEPT) -p udp', ['2:16 FW_MACRO_CONFLICT']],
    ['IN HTTP(ACCEPT) -dport 8080 -p tcp', ['2:17 FW_MACRO_CONFLICT']],
    ['IN ACCEPT -x 1', ['2:11 FW_RULE_OPTION_UNKNOWN']],
    ['IN ACCEPT -constructor x', ['2:11 FW_RULE_OPTION_UNKNOWN']],
    ['IN ACCEPT --__proto__ x', ['2:11 FW_RULE_OPTION_UNKNOWN']],
    ['IN ACCEPT ---p tcp', ['2:11 FW_RULE_OPTION_UNKNOWN']],
    ['IN ACCEPT -p', ['2:11 FW_RULE_OPTION_NO_VALUE']],
    ['IN ACCEPT -p foo', ['2:14 FW_PROTO_UNKNOWN']],
    ['IN ACCEPT -p 256', ['2:14 FW_PROTO_UNKNOWN']],
    ['IN ACCEPT -dport 80', ['2:11 FW_PORT_NEEDS_PROTO']],
    ['IN ACCEPT -sport 80', ['2:11 FW_PORT_NEEDS_PROTO']],
    ['IN ACCEPT -p gre -dport 80', ['2:18 FW_PORT_PROTO_MISMATCH']],
    ['IN ACCEPT -p tcp -dport 70000', ['2:25 FW_PORT_INVALID']],
    ['IN ACCEPT -p tcp -dport 22,,23', ['2:28 FW_PORT_INVALID']],
    ['IN ACCEPT -p tcp -dport 90:80', ['2:25 FW_PORT_INVALID']],
    ['IN ACCEPT -p tcp -dport nosuchservice', ['2:25 FW_PORT_INVALID']],
    ['IN ACCEPT -p tcp -dport echo-request', ['2:25 FW_PORT_INVALID']],
    ['IN ACCEPT -p tcp -dport 1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16', ['2:25 FW_PORT_TOO_MANY']],
    ['IN ACCEPT -p icmp -dport neighbor-solicitation', ['2:26 FW_ICMP_TYPE_INVALID']],
    ['IN ACCEPT -p icmp -dport 8,0', ['2:26 FW_ICMP_TYPE_INVALID']],
    ['IN ACCEPT -p icmpv6 -icmp-type host-unreachable', ['2:32 FW_ICMP_TYPE_INVALID']],
    ['IN ACCEPT -icmp-type echo-request', ['2:11 FW_ICMP_TYPE_NEEDS_PROTO']],
    ['IN ACCEPT -p tcp -icmp-type echo-request', ['2:18 FW_ICMP_TYPE_NEEDS_PROTO']],
    ['IN ACCEPT -p icmp -dport 8 -icmp-type 8', ['2:28 FW_ICMP_TYPE_WITH_DPORT']],
    ['IN ACCEPT -log loud', ['2:16 FW_LOG_LEVEL_INVALID']],
    ['IN ACCEPT -i eth0', ['2:14 FW_IFACE_INVALID']],
    ['IN ACCEPT -i vm-br0', ['2:14 FW_IFACE_INVALID'], 'host'],
    ['IN ACCEPT -source 10.0.0.300', ['2:19 FW_ADDR_INVALID']],
    ['IN ACCEPT -source 10.0.0.1/33', ['2:28 FW_ADDR_INVALID']],
    ['IN ACCEPT -source 10.0.0.1/8', ['2:19 FW_ADDR_INVALID']],
    ['IN ACCEPT -source 10.0.0.1,,10.0.0.2', ['2:28 FW_ADDR_INVALID']],
    ['IN ACCEPT -source 10.0.0.1,fe80::1', ['2:28 FW_ADDR_MIXED_FAMILY']],
    ['IN ACCEPT -source 10.0.0.1-fe80::1', ['2:28 FW_ADDR_MIXED_FAMILY']],
    ['IN ACCEPT -source 10.0.0.9-10.0.0.1', ['2:19 FW_ADDR_INVALID']],
    ['IN ACCEPT -source 10.0.0.1-10.0.0.9,10.1.0.1', ['2:19 FW_ADDR_RANGE_IN_LIST']],
    ['IN ACCEPT -source +9set', ['2:20 FW_NAME_INVALID']],
    ['IN ACCEPT -source guest/x1', ['2:19 FW_SCOPE_INVALID'], 'cluster'],
    ['IN ACCEPT -source +guest/x1', ['2:20 FW_SCOPE_INVALID'], 'host'],
    ['IN ACCEPT -source 10.0.0.1 -dest fe80::1', ['2:34 FW_RULE_FAMILY_CONFLICT']],
    ['IN ACCEPT -p icmpv6 -source 10.0.0.1', ['2:29 FW_RULE_FAMILY_CONFLICT']],
    ['GROUP 1abc', ['2:7 FW_NAME_INVALID']],
    ['GROUP abcdefghijklmnopqrs', ['2:7 FW_NAME_INVALID']],
    ['GROUP g1 -p tcp', ['2:10 FW_GROUP_RULE_OPTION']],
    ['IN ACCEPT -p tcp -dport 80 -dport 81', []],
  ];
  for (const [line, expected, kind] of cases) {
    it(`${kind ?? 'guest'}: ${line}`, () => {
      const r = rule(line, kind ?? 'guest');
      const errors = r.raw.filter((d) => d.severity === 'error').map((d) => `${d.line}:${d.col} ${d.code}`);
      expect(errors).toEqual(expected);
      if (expected.length) expect(r.rule).toBeUndefined();
      else expect(r.rule).toBeDefined();
    });
  }

  it('warns on a repeated option and keeps the last', () => {
    const r = rule('IN ACCEPT -p tcp -dport 80 -dport 81');
    expect(r.diags).toEqual(['2:28 FW_RULE_OPTION_DUPLICATE']);
    expect(r.rule?.dport).toEqual([{ lo: 81, hi: 81 }]);
  });

  it('rejects -i inside a security group and IN rules are fine there', () => {
    const r = parseFw('[group g1]\nIN ACCEPT -i net0 -p tcp\nOUT DROP -p udp\n', 'firewall/cluster.fw', 'cluster');
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(['2:11 FW_IFACE_NOT_ALLOWED']);
    expect(r.ast.groups[0]?.rules.map((x) => x.type)).toEqual(['out']);
  });

  it('rejects GROUP rules inside a group', () => {
    const r = parseFw('[group g1]\nGROUP g2\n', 'firewall/cluster.fw', 'cluster');
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(['2:1 FW_RULE_TYPE_NOT_ALLOWED']);
  });

  it('reports every error of a line at once', () => {
    const r = rule('IN BOGUS -p tcp -dport 99999 -source 1.2.3.4/40');
    expect(r.diags).toEqual(['2:4 FW_RULE_ACTION', '2:24 FW_PORT_INVALID', '2:46 FW_ADDR_INVALID']);
  });
});
