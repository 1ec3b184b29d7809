import ipaddr from 'ipaddr.js';
import { RenderError } from './errors.js';

/**
 * Words the nft parser reads as keywords, so they cannot be used as bare chain/set names in nft
 * text (and nft text cannot quote a chain name). Checked for every name, also for JSON, so that
 * text and JSON accept the same rulesets.
 */
const KEYWORDS = new Set([
  'accept', 'add', 'ah', 'arp', 'bridge', 'chain', 'comment', 'continue', 'counter', 'create', 'ct',
  'delete', 'drop', 'element', 'esp', 'ether', 'fib', 'flags', 'flush', 'fwd', 'goto', 'hook', 'icmp',
  'icmpv6', 'icmpx', 'inet', 'insert', 'ip', 'ip6', 'jump', 'limit', 'list', 'log', 'map', 'mark',
  'masquerade', 'meta', 'netdev', 'notrack', 'policy', 'priority', 'queue', 'redirect', 'reject',
  'rename', 'replace', 'reset', 'return', 'rule', 'sctp', 'set', 'snat', 'dnat', 'table', 'tcp',
  'th', 'type', 'udp', 'udplite', 'vlan', 'vmap', 'dup', 'quota', 'synproxy', 'tproxy', 'flowtable',
  'elements', 'timeout', 'size', 'device', 'devices', 'with', 'over', 'burst', 'level', 'group',
  'prefix', 'name', 'describe', 'monitor', 'export', 'import', 'define', 'include', 'counters',
  'objects', 'ruleset', 'state', 'status', 'helper', 'meter', 'dccp', 'comp', 'gre', 'igmp', 'osf',
]);

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;

/** Table, chain, set, map and counter names: a conservative allow-list. */
export function checkName(name: string): string {
  if (!NAME.test(name) || KEYWORDS.has(name.toLowerCase())) {
    throw new RenderError('E_NFT_NAME', name, `invalid nft identifier: ${JSON.stringify(name)}`);
  }
  return name;
}

// Linux IFNAMSIZ is 16 including the terminator; a trailing `*` is nft's wildcard.
const IFNAME = /^[A-Za-z0-9_.:-]{1,15}\*?$/;

export function checkIfname(name: string): string {
  if (!IFNAME.test(name) || name === '.' || name === '..') {
    throw new RenderError('E_NFT_IFNAME', name, `invalid interface name: ${JSON.stringify(name)}`);
  }
  return name;
}

export function checkAddr(addr: string, family: 'ipv4' | 'ipv6'): string {
  const ok = family === 'ipv4' ? ipaddr.IPv4.isValidFourPartDecimal(addr) : ipaddr.IPv6.isValid(addr) && !addr.includes('%');
  if (!ok) throw new RenderError('E_NFT_ADDR', addr, `invalid ${family} address: ${JSON.stringify(addr)}`);
  return addr;
}

export function checkPrefixLen(len: number, family: 'ipv4' | 'ipv6'): number {
  const max = family === 'ipv4' ? 32 : 128;
  if (!Number.isInteger(len) || len < 0 || len > max) {
    throw new RenderError('E_NFT_ADDR', String(len), `invalid ${family} prefix length ${len}`);
  }
  return len;
}

const MAC = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function checkMac(mac: string): string {
  if (!MAC.test(mac)) throw new RenderError('E_NFT_VALUE', mac, `invalid MAC address: ${JSON.stringify(mac)}`);
  return mac;
}

// nft symbols used by fwctl: ct states, icmp types, protocol names, reject codes, log levels.
const SYMBOL = /^[a-z][a-z0-9-]{0,40}$/;

export function checkSymbol(sym: string): string {
  if (!SYMBOL.test(sym)) throw new RenderError('E_NFT_VALUE', sym, `invalid nft symbol: ${JSON.stringify(sym)}`);
  return sym;
}

export function checkNumber(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RenderError('E_NFT_VALUE', String(n), `invalid nft number: ${n}`);
  }
  return n;
}

/** nft comments are at most 128 bytes; text cannot carry `"` or `\` (escaped or not), nor newlines. */
export function sanitizeComment(comment: string, max = 127): string {
  let out = '';
  for (const ch of comment.replace(/["\\]/g, "'")) {
    const code = ch.codePointAt(0) ?? 0;
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  const enc = new TextEncoder();
  while (enc.encode(out).length > max) out = [...out].slice(0, -1).join('');
  return out;
}

// payload fields, including nft's two-word ARP fields (`saddr ip`, `daddr ether`)
const FIELD = /^[a-z][a-z0-9-]{0,20}( (ip|ip6|ether))?$/;

export function checkField(field: string): string {
  if (!FIELD.test(field)) throw new RenderError('E_NFT_VALUE', field, `invalid payload field: ${JSON.stringify(field)}`);
  return field;
}

/**
 * Words the Ruleset types already restrict (families, hooks, set types, flags…), checked again at
 * run time because nft text has no quoting for them: a value outside its list never reaches nft.
 */
export function checkOneOf<T extends string>(value: T, allowed: readonly string[], what: string): T {
  if (!allowed.includes(value)) throw new RenderError('E_NFT_VALUE', String(value), `invalid ${what}: ${JSON.stringify(value)}`);
  return value;
}

export const FAMILIES = ['inet', 'ip', 'ip6', 'bridge', 'netdev'] as const;
export const SET_TYPES = ['ipv4_addr', 'ipv6_addr', 'ifname', 'ether_addr', 'inet_service', 'mark', 'inet_proto'] as const;
export const SET_FLAGS = ['interval', 'constant', 'timeout', 'dynamic'] as const;
export const CHAIN_TYPES = ['filter', 'nat', 'route'] as const;
export const HOOKS = ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress'] as const;
export const POLICIES = ['accept', 'drop'] as const;

/** A base-chain priority: any integer nft accepts (negative included). */
export function checkPriority(n: number): number {
  if (!Number.isInteger(n) || Math.abs(n) > 0x7fffffff) throw new RenderError('E_NFT_VALUE', String(n), `invalid chain priority: ${n}`);
  return n;
}
