/**
 * A plan that only adds and deletes elements of IP address sets, as kernel keys: in an interval
 * set each element is an interval [start, end), sent as a start key and an end key flagged
 * INTERVAL_END; in a hash set (single addresses) it is the address. That is how nft itself sends them (checked against nft in test/netns/raw-elements.test.ts).
 * The addon sends them as one nf_tables batch (native/src/nft_elements.cc), skipping libnftables'
 * cache rebuild. Anything else (other set types, ranges reaching the top of the address space,
 * very large changes) is not eligible and goes through nft.
 */
import ipaddr from 'ipaddr.js';
import type { Elem, NamedSet } from '../compiler/ruleset.js';
import type { NftOp } from '../backend/nft/ops.js';

export interface RawElementMsg {
  /** NFPROTO_INET (1) or NFPROTO_BRIDGE (7). */
  family: number;
  table: string;
  set: string;
  add: boolean;
  keyLen: 4 | 16;
  keys: Buffer;
  ends: Buffer;
}

const FAMILY: Record<string, number> = { inet: 1, bridge: 7 };
/** Beyond this many elements in one change, nft's own path is as good. */
const MAX_ELEMENTS = 5000;

/** The messages for `ops`, or undefined when some op is not an eligible element change. */
export function rawElementMsgs(ops: readonly NftOp[]): RawElementMsg[] | undefined {
  const out: RawElementMsg[] = [];
  let total = 0;
  for (const o of ops) {
    if (o.op !== 'setElements') return undefined;
    const family = FAMILY[o.t.family];
    const kind = kindOf(o.set);
    if (family === undefined || kind === undefined) return undefined;
    const { keyLen, intervals } = kind;
    total += o.elems.length;
    if (total > MAX_ELEMENTS) return undefined;
    const per = intervals ? 2 : 1;
    const keys = Buffer.alloc(o.elems.length * per * keyLen);
    const ends = Buffer.alloc(o.elems.length * per);
    for (let i = 0; i < o.elems.length; i++) {
      const e = o.elems[i]!;
      if (!intervals) {
        // a hash set: single addresses, one key each
        const k = typeof e === 'string' ? bytes(e, keyLen) : undefined;
        if (!k) return undefined;
        keys.set(k, i * keyLen);
        continue;
      }
      const iv = interval(e, keyLen);
      if (!iv) return undefined;
      keys.set(iv[0], 2 * i * keyLen);
      keys.set(iv[1], (2 * i + 1) * keyLen);
      ends[2 * i + 1] = 1;
    }
    out.push({ family, table: o.t.name, set: o.set.name, add: o.verb === 'add', keyLen, keys, ends });
  }
  return out.length ? out : undefined;
}

/** IP address sets only: interval sets (CIDRs) and plain hash sets (single addresses). */
function kindOf(s: NamedSet): { keyLen: 4 | 16; intervals: boolean } | undefined {
  const intervals = s.flags.length === 1 && s.flags[0] === 'interval';
  if (!intervals && s.flags.length !== 0) return undefined;
  const keyLen = s.type === 'ipv4_addr' ? 4 : s.type === 'ipv6_addr' ? 16 : undefined;
  return keyLen === undefined ? undefined : { keyLen, intervals };
}

/** [start, end) as network-order bytes; undefined when it is not an address of that length or reaches the top. */
export function interval(e: Elem, keyLen: 4 | 16): [Uint8Array, Uint8Array] | undefined {
  let first: string;
  let last: string | undefined;
  let len: number | undefined;
  if (typeof e === 'string') first = e;
  else if (typeof e === 'object' && 'prefix' in e) [first, len] = [e.prefix.addr, e.prefix.len];
  else if (typeof e === 'object' && 'range' in e && typeof e.range[0] === 'string' && typeof e.range[1] === 'string') [first, last] = e.range as [string, string];
  else return undefined;
  const start = bytes(first, keyLen);
  const end = last === undefined ? start && new Uint8Array(start) : bytes(last, keyLen);
  if (!start || !end) return undefined;
  if (len !== undefined) {
    if (!Number.isInteger(len) || len < 0 || len > keyLen * 8) return undefined;
    for (let bit = len; bit < keyLen * 8; bit++) {
      if (start[bit >> 3]! & (0x80 >> (bit & 7))) return undefined; // host bits set: not a canonical prefix
      end[bit >> 3]! |= 0x80 >> (bit & 7);
    }
  }
  return increment(end) ? [start, end] : undefined;
}

function bytes(addr: string, keyLen: 4 | 16): Uint8Array | undefined {
  if (!ipaddr.isValid(addr)) return undefined;
  const a = ipaddr.parse(addr);
  if ((keyLen === 4) !== (a.kind() === 'ipv4')) return undefined;
  return Uint8Array.from(a.toByteArray());
}

/** Adds one in place; false when it wraps (the interval reaches the top of the address space). */
function increment(b: Uint8Array): boolean {
  for (let i = b.length - 1; i >= 0; i--) {
    b[i] = (b[i]! + 1) & 0xff;
    if (b[i] !== 0) return true;
  }
  return false;
}
