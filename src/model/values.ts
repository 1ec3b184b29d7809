/**
 * Branded value types with validating constructors. A value of one of these types has been
 * checked once, at the boundary; code that receives it does not check again.
 *
 * Address text convention (same as pve-firewall's ipsets): a host address has no prefix
 * (`10.0.0.1`, `fe80::1`), a network keeps it (`10.0.0.0/24`); IPv6 is lower-case and compressed.
 */
import ipaddr from 'ipaddr.js';
import type { AddrItem, IpFamily } from '../config/ast.js';
import { parseIpLiteral } from '../config/ip-literal.js';

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type Cidr = Brand<string, 'Cidr'>;
export type IpAddr = Brand<string, 'IpAddr'>;
export type IfaceName = Brand<string, 'IfaceName'>;
export type SetName = Brand<string, 'SetName'>;
export type MacAddr = Brand<string, 'MacAddr'>;
export interface PortRange {
  readonly lo: number;
  readonly hi: number;
}
export type ValidPortRange = Brand<PortRange, 'PortRange'>;

/** Thrown by the constructors below; `code` is stable. */
export class ValueError extends Error {
  constructor(
    readonly code: 'invalid-ip' | 'invalid-cidr' | 'invalid-port' | 'invalid-iface' | 'invalid-set-name' | 'invalid-mac',
    readonly value: string,
  ) {
    super(`${code}: '${value}'`);
    this.name = 'ValueError';
  }
}

export function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): IpFamily {
  return addr.kind() === 'ipv4' ? 4 : 6;
}

/** A single IP address, normalised. */
export function ipAddr(text: string): { addr: IpAddr; family: IpFamily } {
  const a = parseIpLiteral(text.trim(), true);
  if (!a) throw new ValueError('invalid-ip', text);
  return { addr: a.text as IpAddr, family: a.family };
}

/** An address or network; a full-length prefix is dropped (`1.2.3.4/32` → `1.2.3.4`). */
export function cidr(text: string): { cidr: Cidr; family: IpFamily; prefix: number } {
  const [addrText, lenText, extra] = text.trim().split('/');
  if (addrText === undefined || extra !== undefined) throw new ValueError('invalid-cidr', text);
  const a = parseIpLiteral(addrText, true);
  if (!a) throw new ValueError('invalid-cidr', text);
  const family = a.family;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (lenText !== undefined) {
    if (!/^\d{1,3}$/.test(lenText)) throw new ValueError('invalid-cidr', text);
    prefix = Number(lenText);
    if (prefix > max) throw new ValueError('invalid-cidr', text);
  }
  const out = prefix === max ? a.text : `${a.text}/${prefix}`;
  return { cidr: out as Cidr, family, prefix };
}

export function isIpLiteral(text: string): boolean {
  return parseIpLiteral(text.trim(), true) !== undefined;
}

/** Normalises the text of an AST address item, keeping its kind. */
export function normalizeItem(item: AddrItem): AddrItem {
  if (item.kind === 'cidr') {
    const c = cidr(item.cidr);
    return { kind: 'cidr', family: c.family, cidr: c.cidr };
  }
  return { kind: 'range', family: item.family, from: ipAddr(item.from).addr, to: ipAddr(item.to).addr };
}

/** Stable key of an item, for de-duplication. */
export function itemKey(item: AddrItem): string {
  return item.kind === 'cidr' ? item.cidr : `${item.from}-${item.to}`;
}

export function portRange(lo: number, hi: number = lo): ValidPortRange {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;
  if (!ok(lo) || !ok(hi) || lo > hi) throw new ValueError('invalid-port', `${lo}:${hi}`);
  return { lo, hi } as ValidPortRange;
}

/** A Linux interface name: 1..15 bytes, no '/', whitespace or ':' (alias syntax), not '.' or '..'. */
export function ifaceName(text: string): IfaceName {
  if (!/^[A-Za-z0-9_.+-]{1,15}$/.test(text) || text === '.' || text === '..') throw new ValueError('invalid-iface', text);
  return text as IfaceName;
}

/** pve-firewall's IP set / alias name pattern; names are lower-cased. */
export function setName(text: string): SetName {
  if (!/^[A-Za-z][A-Za-z0-9_-]+$/.test(text) || text.length > 64) throw new ValueError('invalid-set-name', text);
  return text.toLowerCase() as SetName;
}

export function macAddr(text: string): MacAddr {
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(text)) throw new ValueError('invalid-mac', text);
  return text.toUpperCase() as MacAddr;
}

/** The IPv6 link-local address a NIC derives from its MAC (modified EUI-64, RFC 4291). */
export function macToLinkLocal(mac: MacAddr): IpAddr {
  const b = mac.split(':').map((h) => parseInt(h, 16));
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = b;
  const bytes = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, b0 ^ 0x02, b1, b2, 0xff, 0xfe, b3, b4, b5];
  return ipaddr.fromByteArray(bytes).toString() as IpAddr;
}
