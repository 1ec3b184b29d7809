/**
 * Address syntax of pve-firewall: single IPs, CIDRs, `a-b` ranges, comma lists (parse_address_list),
 * IP set and alias references with optional `dc/` / `guest/` scope, and the IP-or-CIDR form of
 * aliases and IP set entries (parse_ip_or_cidr). Returns a value or an error with the offset of
 * the offending part inside the text.
 */
import type { AddrItem, AddrSpec, IpFamily, RefScope } from './ast.js';
import { parseIpLiteral, type IpLiteral } from './ip-literal.js';

export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9\-_]+$/;
export const MAX_ALIAS_NAME = 64;
export const MAX_IPSET_NAME = 64;
export const MAX_GROUP_NAME = 18;

export interface AddrError {
  error: string;
  offset: number;
  code: 'addr' | 'mixed' | 'range-in-list' | 'name' | 'scope';
}

export type Result<T> = { ok: T } | AddrError;

function parseIp(text: string): IpLiteral | undefined {
  return parseIpLiteral(text, false);
}

function compareBytes(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

function hostBitsSet(bytes: number[], prefix: number): boolean {
  for (let bit = prefix; bit < bytes.length * 8; bit++) {
    if (((bytes[bit >> 3] ?? 0) >> (7 - (bit & 7))) & 1) return true;
  }
  return false;
}

/** The value of 1-3 ASCII digits from `from` to the end of the text, else -1. */
function prefixAt(text: string, from: number): number {
  const len = text.length - from;
  if (len < 1 || len > 3) return -1;
  let n = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
    n = n * 10 + (c - 0x30);
  }
  return n;
}

/**
 * An IP or `ip/prefix`; a bare IP becomes /32 or /128. With `strict`, host bits beyond the prefix
 * are an error (pve-firewall's Net::IP check on rule addresses).
 */
export function parseCidr(text: string, strict = false): Result<AddrItem & { kind: 'cidr' }> {
  const slash = text.indexOf('/');
  const ipText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(ipText);
  if (!ip) return { error: `'${ipText}' is not a valid IP address`, offset: 0, code: 'addr' };
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    prefix = prefixAt(text, slash + 1);
    if (prefix < 0 || prefix > max) return { error: `invalid prefix length '${text.slice(slash + 1)}'`, offset: slash + 1, code: 'addr' };
  }
  if (strict && hostBitsSet(ip.bytes, prefix)) {
    return { error: `'${text}' has host bits set beyond /${prefix}`, offset: 0, code: 'addr' };
  }
  // The text itself when it is already canonical (the common case), to keep no second copy.
  const same = slash >= 0 && ip.text === ipText && (text.length - slash === 2 || text.charCodeAt(slash + 1) !== 0x30);
  return { ok: { kind: 'cidr', family: ip.family, cidr: same ? text : `${ip.text}/${prefix}` } };
}

function parseRange(text: string): Result<AddrItem> {
  const dash = text.indexOf('-');
  const from = parseIp(text.slice(0, dash));
  if (!from) return { error: `'${text.slice(0, dash)}' is not a valid IP address`, offset: 0, code: 'addr' };
  const to = parseIp(text.slice(dash + 1));
  if (!to) return { error: `'${text.slice(dash + 1)}' is not a valid IP address`, offset: dash + 1, code: 'addr' };
  if (from.family !== to.family) return { error: `range '${text}' mixes IPv4 and IPv6`, offset: dash + 1, code: 'mixed' };
  if (compareBytes(from.bytes, to.bytes) > 0) return { error: `range '${text}' ends before it starts`, offset: 0, code: 'addr' };
  return { ok: { kind: 'range', family: from.family, from: from.text, to: to.text } };
}

/** `dc/name`, `guest/name` or `name`; the scope must be allowed by the caller. */
function parseScopedName(text: string, maxLen: number): Result<{ scope: RefScope; name: string; nameOffset: number }> {
  let scope: RefScope;
  let rest = text;
  const m = /^(dc|guest)\//i.exec(text);
  if (m) {
    scope = (m[1] ?? '').toLowerCase() as RefScope;
    rest = text.slice(m[0].length);
  }
  const nameOffset = text.length - rest.length;
  if (!NAME_PATTERN.test(rest)) return { error: `invalid name '${rest}'`, offset: nameOffset, code: 'name' };
  if (rest.length > maxLen) return { error: `name '${rest}' is longer than ${maxLen} characters`, offset: nameOffset, code: 'name' };
  return { ok: { scope, name: rest.toLowerCase(), nameOffset } };
}

export function looksLikeName(text: string): boolean {
  return NAME_PATTERN.test(text) || /^(dc|guest)\/./i.test(text);
}

/** `-source` / `-dest` values. `allowGuestScope` is true in guest files only. */
export function parseAddrSpec(text: string, allowGuestScope: boolean): Result<AddrSpec> {
  if (text.startsWith('+')) {
    const r = parseScopedName(text.slice(1), MAX_IPSET_NAME);
    if ('error' in r) return { ...r, offset: r.offset + 1 };
    if (r.ok.scope === 'guest' && !allowGuestScope) return { error: `'guest/' references exist only in guest files`, offset: 1, code: 'scope' };
    return { ok: { kind: 'ipset', scope: r.ok.scope, name: r.ok.name } };
  }
  if (looksLikeName(text)) {
    const r = parseScopedName(text, MAX_ALIAS_NAME);
    if ('error' in r) return r;
    if (r.ok.scope === 'guest' && !allowGuestScope) return { error: `'guest/' references exist only in guest files`, offset: 0, code: 'scope' };
    return { ok: { kind: 'alias', scope: r.ok.scope, name: r.ok.name } };
  }
  // A one-item list (the usual case) gets an array of its exact size.
  let first: AddrItem | undefined;
  let items: AddrItem[] | undefined;
  let family: IpFamily | undefined;
  let offset = 0;
  let ranges = 0;
  for (;;) {
    let end = text.indexOf(',', offset);
    const last = end < 0;
    if (last) end = text.length;
    const part = offset === 0 && end === text.length ? text : text.slice(offset, end);
    if (part === '') return { error: 'empty element in address list (extraneous comma)', offset, code: 'addr' };
    const r = part.includes('-') ? parseRange(part) : parseCidr(part, true);
    if ('error' in r) return { ...r, offset: offset + r.offset };
    if (family !== undefined && r.ok.family !== family) {
      return { error: `address list '${text}' mixes IPv4 and IPv6`, offset, code: 'mixed' };
    }
    if (r.ok.kind === 'range') ranges++;
    family = r.ok.family;
    if (items) items.push(r.ok);
    else if (first) items = [first, r.ok];
    else first = r.ok;
    if (last) break;
    offset = end + 1;
  }
  if (ranges > 0 && items) return { error: 'a range cannot be part of a list', offset: 0, code: 'range-in-list' };
  return { ok: { kind: 'literal', family: family ?? 4, items: items ?? [first as AddrItem] } };
}

/** An IP set entry value: an IP/CIDR (no ranges) or an alias reference. */
export function parseIpsetValue(text: string, allowGuestScope: boolean): Result<AddrItem | { kind: 'alias'; scope: RefScope; name: string }> {
  if (looksLikeName(text)) {
    const r = parseScopedName(text, MAX_ALIAS_NAME);
    if ('error' in r) return r;
    if (r.ok.scope === 'guest' && !allowGuestScope) return { error: `'guest/' references exist only in guest files`, offset: 0, code: 'scope' };
    return { ok: { kind: 'alias', scope: r.ok.scope, name: r.ok.name } };
  }
  return parseCidr(text);
}
