/**
 * ICMP and ICMPv6 type names as iptables/ip6tables know them (`iptables -p icmp -h`), plus the
 * nftables spellings proxmox-ve-config uses. `any` matches every type and is handled by the caller.
 */
import type { IpFamily } from './ast.js';

export interface IcmpType {
  type: number;
  code?: number;
}

type Table = ReadonlyMap<string, IcmpType>;

function table(rows: [string, number, number?][]): Table {
  return new Map(rows.map(([n, type, code]) => [n.toLowerCase(), code === undefined ? { type } : { type, code }]));
}

const ICMP4: Table = table([
  ['echo-reply', 0],
  ['destination-unreachable', 3],
  ['network-unreachable', 3, 0],
  ['host-unreachable', 3, 1],
  ['protocol-unreachable', 3, 2],
  ['port-unreachable', 3, 3],
  ['fragmentation-needed', 3, 4],
  ['source-route-failed', 3, 5],
  ['network-unknown', 3, 6],
  ['host-unknown', 3, 7],
  ['network-prohibited', 3, 9],
  ['host-prohibited', 3, 10],
  ['TOS-network-unreachable', 3, 11],
  ['TOS-host-unreachable', 3, 12],
  ['communication-prohibited', 3, 13],
  ['host-precedence-violation', 3, 14],
  ['precedence-cutoff', 3, 15],
  ['source-quench', 4],
  ['redirect', 5],
  ['network-redirect', 5, 0],
  ['host-redirect', 5, 1],
  ['TOS-network-redirect', 5, 2],
  ['TOS-host-redirect', 5, 3],
  ['echo-request', 8],
  ['router-advertisement', 9],
  ['router-solicitation', 10],
  ['time-exceeded', 11],
  ['ttl-zero-during-transit', 11, 0],
  ['ttl-zero-during-reassembly', 11, 1],
  ['parameter-problem', 12],
  ['ip-header-bad', 12, 0],
  ['required-option-missing', 12, 1],
  ['timestamp-request', 13],
  ['timestamp-reply', 14],
  ['info-request', 15],
  ['info-reply', 16],
  ['address-mask-request', 17],
  ['address-mask-reply', 18],
]);

const ICMP6: Table = table([
  ['destination-unreachable', 1],
  ['no-route', 1, 0],
  ['communication-prohibited', 1, 1],
  ['beyond-scope', 1, 2],
  ['address-unreachable', 1, 3],
  ['port-unreachable', 1, 4],
  ['failed-policy', 1, 5],
  ['reject-route', 1, 6],
  ['packet-too-big', 2],
  ['time-exceeded', 3],
  ['ttl-zero-during-transit', 3, 0],
  ['ttl-zero-during-reassembly', 3, 1],
  ['parameter-problem', 4],
  ['bad-header', 4, 0],
  ['unknown-header-type', 4, 1],
  ['unknown-option', 4, 2],
  ['echo-request', 128],
  ['echo-reply', 129],
  ['mld-listener-query', 130],
  ['mld-listener-report', 131],
  ['mld-listener-done', 132],
  ['router-solicitation', 133],
  ['nd-router-solicit', 133],
  ['router-advertisement', 134],
  ['nd-router-advert', 134],
  ['neighbor-solicitation', 135],
  ['neighbour-solicitation', 135],
  ['nd-neighbor-solicit', 135],
  ['neighbor-advertisement', 136],
  ['neighbour-advertisement', 136],
  ['nd-neighbor-advert', 136],
  ['redirect', 137],
  ['nd-redirect', 137],
  ['router-renumbering', 138],
  ['ind-neighbor-solicit', 141],
  ['ind-neighbor-advert', 142],
  ['mld2-listener-report', 143],
]);

/**
 * An ICMP type by name (case-insensitive) or number 0-255 for the given family. `'any'` for any;
 * undefined when the name is not a type of that family.
 */
export function lookupIcmpType(family: IpFamily, text: string): IcmpType | 'any' | undefined {
  const lower = text.toLowerCase();
  if (lower === 'any') return 'any';
  if (/^\d{1,3}$/.test(text)) {
    const n = Number(text);
    return n <= 255 ? { type: n } : undefined;
  }
  return (family === 4 ? ICMP4 : ICMP6).get(lower);
}

/** True when the text names an ICMP type of either family (pve-firewall accepts these in -dport). */
export function isIcmpTypeName(text: string): boolean {
  const lower = text.toLowerCase();
  return lower === 'any' || ICMP4.has(lower) || ICMP6.has(lower);
}
