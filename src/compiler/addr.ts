/** Address arithmetic on bigints, for interval sets (compiler) and set lookups (simulator). */
import ipaddr from 'ipaddr.js';
import type { AddrItem, IpFamily } from '../config/ast.js';

export type Interval = [bigint, bigint];

export function bits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

export function familyOf(text: string): IpFamily {
  return text.includes(':') ? 6 : 4;
}

export function toBig(addr: string): bigint {
  let v = 0n;
  for (const b of ipaddr.parse(addr).toByteArray()) v = (v << 8n) | BigInt(b);
  return v;
}

export function fromBig(v: bigint, family: IpFamily): string {
  const n = bits(family) / 8;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((v >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** `10.0.0.0/8`, `10.0.0.1` or `a-b` → inclusive interval. */
export function cidrInterval(text: string): Interval {
  const [addr = '', lenText] = text.split('/');
  const family = familyOf(addr);
  const total = bits(family);
  const len = lenText === undefined ? total : Number(lenText);
  const hostBits = BigInt(total - len);
  const base = (toBig(addr) >> hostBits) << hostBits;
  return [base, base + (1n << hostBits) - 1n];
}

export function itemInterval(item: AddrItem): Interval {
  return item.kind === 'cidr' ? cidrInterval(item.cidr) : [toBig(item.from), toBig(item.to)];
}

export function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1] + 1n) {
      if (iv[1] > last[1]) last[1] = iv[1];
    } else out.push([iv[0], iv[1]]);
  }
  return out;
}

/** An interval as the prefix it is exactly, if it is one. */
export function asPrefix([lo, hi]: Interval, family: IpFamily): { addr: string; len: number } | undefined {
  const size = hi - lo + 1n;
  if ((size & (size - 1n)) !== 0n || lo % size !== 0n) return undefined;
  let hostBits = 0;
  while (1n << BigInt(hostBits) < size) hostBits++;
  return { addr: fromBig(lo, family), len: bits(family) - hostBits };
}
