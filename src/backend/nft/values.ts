import type { Elem, Expr, SetType, Value } from '../../compiler/ruleset.js';
import { RenderError } from './errors.js';
import { checkAddr, checkIfname, checkMac, checkName, checkNumber, checkPrefixLen, checkSymbol } from './validate.js';

/** How a right-hand value must look, decided by what it is compared with. */
export type ValueKind = 'ipv4' | 'ipv6' | 'ifname' | 'ether' | 'bitmask' | 'number' | 'symbol';

export function kindOfExpr(e: Expr): ValueKind {
  if ('payload' in e) {
    const { protocol, field } = e.payload;
    if (field === 'saddr' || field === 'daddr') {
      if (protocol === 'ip') return 'ipv4';
      if (protocol === 'ip6') return 'ipv6';
      if (protocol === 'ether') return 'ether';
    }
    if (protocol === 'arp' && (field === 'saddr ip' || field === 'daddr ip')) return 'ipv4';
    if (protocol === 'arp' && (field === 'saddr ether' || field === 'daddr ether')) return 'ether';
    if (protocol === 'tcp' && field === 'flags') return 'bitmask';
    return 'symbol';
  }
  if ('meta' in e) {
    const k = e.meta.key;
    if (k === 'iifname' || k === 'oifname' || k === 'ibrname' || k === 'obrname') return 'ifname';
    if (k === 'mark') return 'number';
    return 'symbol';
  }
  if ('ct' in e) return e.ct.key === 'state' || e.ct.key === 'status' ? 'bitmask' : e.ct.key === 'mark' ? 'number' : 'symbol';
  if ('fib' in e) return 'symbol';
  return 'number'; // binary operations
}

export function kindOfSetType(t: SetType): ValueKind {
  switch (t) {
    case 'ipv4_addr':
      return 'ipv4';
    case 'ipv6_addr':
      return 'ipv6';
    case 'ifname':
      return 'ifname';
    case 'ether_addr':
      return 'ether';
    case 'mark':
      return 'number';
    default:
      return 'symbol';
  }
}

/** Throws a RenderError unless `v` is safe to hand to nft as a value of `kind`. */
export function checkScalar(v: string | number | boolean, kind: ValueKind): void {
  if (typeof v === 'boolean') {
    if (kind !== 'symbol') throw new RenderError('E_NFT_VALUE', String(v), `boolean not valid for ${kind}`);
    return;
  }
  if (typeof v === 'number') {
    if (kind === 'ipv4' || kind === 'ipv6' || kind === 'ifname' || kind === 'ether') {
      throw new RenderError('E_NFT_VALUE', String(v), `number not valid for ${kind}`);
    }
    checkNumber(v);
    return;
  }
  switch (kind) {
    case 'ipv4':
    case 'ipv6':
      checkAddr(v, kind);
      return;
    case 'ifname':
      checkIfname(v);
      return;
    case 'ether':
      checkMac(v);
      return;
    case 'number':
      throw new RenderError('E_NFT_VALUE', v, `string not valid for a numeric field: ${JSON.stringify(v)}`);
    default:
      checkSymbol(v);
  }
}

export function checkElem(e: Elem, kind: ValueKind): void {
  if (typeof e === 'string' || typeof e === 'number') return checkScalar(e, kind);
  if ('range' in e) {
    checkScalar(e.range[0], kind);
    checkScalar(e.range[1], kind);
    return;
  }
  if (kind !== 'ipv4' && kind !== 'ipv6') throw new RenderError('E_NFT_VALUE', e.prefix.addr, `prefix not valid for ${kind}`);
  checkAddr(e.prefix.addr, kind);
  checkPrefixLen(e.prefix.len, kind);
}

export function checkValue(v: Value, kind: ValueKind): void {
  if (typeof v !== 'object') return checkScalar(v, kind);
  if ('set' in v) {
    for (const e of v.set) checkElem(e, kind);
    return;
  }
  if ('ref' in v) {
    checkName(v.ref);
    return;
  }
  checkElem(v, kind);
}
