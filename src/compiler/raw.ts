/** Prerouting features: SYN flood protection (pve's raw PVEFW-PREROUTING) and conntrack helpers. */
import type { HostOptions } from '../config/options.js';
import { addrField, drop, eq, l4, match, payload, PROTO } from './expr.js';
import { chains as C, helperName, sets as setNames } from './names.js';
import type { Chain, CtHelper, NamedSet, Rule } from './ruleset.js';

/** nf_conntrack_helpers value → kernel helper type, protocol and port. */
const HELPERS: Record<string, { type: string; protocol: 'tcp' | 'udp'; port: number }[]> = {
  amanda: [{ type: 'amanda', protocol: 'udp', port: 10080 }],
  ftp: [{ type: 'ftp', protocol: 'tcp', port: 21 }],
  irc: [{ type: 'irc', protocol: 'tcp', port: 6667 }],
  'netbios-ns': [{ type: 'netbios-ns', protocol: 'udp', port: 137 }],
  pptp: [{ type: 'pptp', protocol: 'tcp', port: 1723 }],
  sane: [{ type: 'sane', protocol: 'tcp', port: 6566 }],
  sip: [{ type: 'sip', protocol: 'udp', port: 5060 }, { type: 'sip', protocol: 'tcp', port: 5060 }],
  snmp: [{ type: 'snmp', protocol: 'udp', port: 161 }],
  tftp: [{ type: 'tftp', protocol: 'udp', port: 69 }],
};

export function synflood(o: HostOptions): { chain?: Chain; sets: NamedSet[] } {
  if (!o.protection_synflood) return { sets: [] };
  const sets: NamedSet[] = [];
  const rules: Rule[] = [];
  for (const f of [4, 6] as const) {
    const name = setNames.synflood(f);
    sets.push({ name, type: f === 4 ? 'ipv4_addr' : 'ipv6_addr', flags: ['dynamic', 'timeout'], elements: [], timeout: o.nf_conntrack_tcp_timeout_syn_recv, size: 65536, owner: 'core' });
    rules.push({
      origin: 'host/synflood',
      expr: [
        l4(PROTO.tcp),
        match({ '&': [payload('tcp', 'flags'), 0x17] }, '==', 0x02),
        { set: { op: 'update', elem: addrField(f, 'saddr'), set: name, stmt: [{ limit: { rate: o.protection_synflood_rate, per: 'second', burst: o.protection_synflood_burst, inv: true } }] } },
        drop,
      ],
    });
  }
  return { chain: { name: C.rawPre, base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' }, rules, owner: 'core' }, sets };
}

export function helpers(o: HostOptions): { chain?: Chain; objects: CtHelper[] } {
  const objects: CtHelper[] = [];
  const rules: Rule[] = [];
  for (const h of [...o.nf_conntrack_helpers].sort()) {
    for (const d of HELPERS[h] ?? []) {
      const name = helperName(`${d.type}-${d.protocol}`);
      objects.push({ name, type: d.type, protocol: d.protocol, owner: 'core' });
      rules.push({ expr: [l4(PROTO[d.protocol]), eq(payload('th', 'dport'), d.port), { 'ct helper': name }], origin: `host/helper/${h}` });
    }
  }
  if (!rules.length) return { objects };
  return { chain: { name: C.helpers, base: { type: 'filter', hook: 'prerouting', priority: 0, policy: 'accept' }, rules, owner: 'core' }, objects };
}
