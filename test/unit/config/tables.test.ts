import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lookupIcmpType } from '../../../src/config/icmp.js';
import { MACRO_ROWS } from '../../../src/config/macro-table.js';
import { lookupMacro, macroNames } from '../../../src/config/macros.js';
import { lookupProtocol, protocolHasPorts } from '../../../src/config/protocols.js';
import { lookupService } from '../../../src/config/services.js';

describe('macro table', () => {
  it('holds every row of the reference macros.tsv', () => {
    const tsv = readFileSync('/work/shared/reference/macros.tsv', 'utf8').trim().split('\n').slice(1);
    expect(MACRO_ROWS).toHaveLength(tsv.length);
    const names = new Set(tsv.map((l) => l.split('\t')[0]));
    for (const n of names) expect(lookupMacro(n ?? '')?.name).toBe(n);
    expect(macroNames()).toHaveLength(names.size);
  });

  it('looks macros up case-insensitively and sets families like pve-firewall', () => {
    expect(lookupMacro('smb')?.entries).toHaveLength(4);
    expect(lookupMacro('DHCPfwd')?.entries).toEqual([{ macro: 'DHCPfwd', proto: 'udp', dport: '67:68', sport: '67:68' }]);
    expect(lookupMacro('ping')?.entries).toEqual([
      { macro: 'Ping', proto: 'icmp', icmpType: 'echo-request', family: 4 },
      { macro: 'Ping', proto: 'icmpv6', icmpType: 'echo-request', family: 6 },
    ]);
    expect(lookupMacro('Trcrt')?.entries.map((e) => `${e.proto}/${e.family}`)).toEqual(['udp/4', 'icmp/4', 'udp/6', 'icmpv6/6']);
    expect(lookupMacro('DHCPv6')?.entries).toEqual([{ macro: 'DHCPv6', proto: 'udp', dport: '546:547', sport: '546:547', family: 6 }]);
    expect(lookupMacro('NeighborDiscovery')?.entries.map((e) => e.icmpType)).toEqual(['router-solicitation', 'router-advertisement', 'neighbor-solicitation', 'neighbor-advertisement']);
    expect(lookupMacro('PBS')?.entries).toEqual([{ macro: 'PBS', proto: 'tcp', dport: '8007' }]);
    expect(lookupMacro('GRE')?.entries).toEqual([{ macro: 'GRE', proto: '47' }]);
    expect(lookupMacro('nope')).toBeUndefined();
  });
});

describe('services, protocols, icmp', () => {
  it('knows common services', () => {
    expect(['ssh', 'http', 'https', 'domain', 'ntp', 'smtp', 'imaps', 'pop3s', 'ldaps', 'mysql', 'postgresql', 'ms-wbt-server', 'snmp', 'tftp', 'bootps', 'bootpc'].map(lookupService))
      .toEqual([22, 80, 443, 53, 123, 25, 993, 995, 636, 3306, 5432, 3389, 161, 69, 67, 68]);
    expect(lookupService('SSH')).toBeUndefined();
  });

  it('maps protocol names and numbers', () => {
    expect(['icmp', 'igmp', 'tcp', 'udp', 'gre', 'esp', 'ah', 'icmpv6', 'ipv6-icmp', 'ospf', 'vrrp', 'pim', 'sctp', 'udplite'].map((n) => lookupProtocol(n)?.num))
      .toEqual([1, 2, 6, 17, 47, 50, 51, 58, 58, 89, 112, 103, 132, 136]);
    expect(lookupProtocol('250')).toEqual({ name: '250', num: 250 });
    expect(lookupProtocol('6')).toEqual({ name: 'tcp', num: 6 });
    expect(lookupProtocol('TCP')).toBeUndefined();
    expect([6, 17, 33, 132, 136, 1, 47].map(protocolHasPorts)).toEqual([true, true, true, true, true, false, false]);
  });

  it('maps ICMP type names per family', () => {
    expect(lookupIcmpType(4, 'host-unreachable')).toEqual({ type: 3, code: 1 });
    expect(lookupIcmpType(4, 'tos-host-unreachable')).toEqual({ type: 3, code: 12 });
    expect(lookupIcmpType(6, 'nd-neighbor-solicit')).toEqual({ type: 135 });
    expect(lookupIcmpType(6, 'neighbour-advertisement')).toEqual({ type: 136 });
    expect(lookupIcmpType(6, 'host-unreachable')).toBeUndefined();
    expect(lookupIcmpType(4, 'ANY')).toBe('any');
    expect(lookupIcmpType(4, '256')).toBeUndefined();
  });
});
