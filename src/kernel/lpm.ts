/**
 * Keys of the blacklist LPM trie (native/bpf/blacklist.c): `u32 prefixlen` (host order) then 16
 * address bytes. IPv4 prefixes are stored IPv4-mapped (::ffff:a.b.c.d/96+len) so one trie serves
 * both families.
 */
import ipaddr from 'ipaddr.js';
import { badArgument } from './errors.js';

export const LPM_KEY_SIZE = 20;

/** Canonical text of a prefix (`10.1.2.0/24`, `fd00::/64`); host bits are cleared. */
export interface Prefix {
  text: string;
  key: Buffer;
}

export function encodePrefix(cidr: string): Prefix {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  let len: number;
  try {
    [addr, len] = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : [ipaddr.parse(cidr), ipaddr.parse(cidr).kind() === 'ipv4' ? 32 : 128];
  } catch {
    throw badArgument(`not an IP address or prefix: ${JSON.stringify(cidr)}`);
  }
  const v4 = addr.kind() === 'ipv4';
  const bytes = v4 ? [...new Array<number>(10).fill(0), 0xff, 0xff, ...addr.toByteArray()] : addr.toByteArray();
  const bits = v4 ? len + 96 : len;
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff00 >> keep) & 0xff);
  }
  const key = Buffer.alloc(LPM_KEY_SIZE);
  key.writeUInt32LE(bits, 0); // the kernel reads prefixlen in host order (x86/arm64 little endian)
  Buffer.from(bytes).copy(key, 4);
  return { text: decodePrefix(key), key };
}

export function decodePrefix(key: Buffer): string {
  const bits = key.readUInt32LE(0);
  const addr = [...key.subarray(4, 20)];
  const mapped = addr.slice(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff && bits >= 96;
  if (mapped) return `${addr.slice(12).join('.')}/${bits - 96}`;
  return `${ipaddr.fromByteArray(addr).toString()}/${bits}`;
}
