/**
 * Small constructors for Ruleset expressions and statements.
 *
 * Rulesets are immutable once built: compile shares statement and expression objects between
 * rules, chains, both tables and (createCompiler) successive results. The shared constants made
 * here are frozen, so a stray mutation throws instead of changing every rule that uses them.
 */
import type { Expr, Match, MatchOp, MetaKey, PayloadProto, Statement, Value } from './ruleset.js';

export function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

const metas = new Map<MetaKey, Expr>();
const payloads = new Map<string, Expr>();
const l4s = new Map<number, Match>();

export const meta = (key: MetaKey): Expr => {
  let e = metas.get(key);
  if (!e) metas.set(key, (e = deepFreeze({ meta: { key } })));
  return e;
};
export const payload = (protocol: PayloadProto, field: string): Expr => {
  const k = `${protocol} ${field}`;
  let e = payloads.get(k);
  if (!e) payloads.set(k, (e = deepFreeze({ payload: { protocol, field } })));
  return e;
};
export const ctState: Expr = deepFreeze({ ct: { key: 'state' } });
export const mark = meta('mark');

export const match = (left: Expr, op: MatchOp, right: Value): Match => ({ match: { op, left, right } });
export const eq = (left: Expr, right: Value): Match => match(left, '==', right);
export const ne = (left: Expr, right: Value): Match => match(left, '!=', right);

export const ct = (...states: string[]): Match => match(ctState, 'in', { set: states });
/** `meta l4proto <proto>`, one shared object per protocol number. */
export const l4 = (proto: number): Match => {
  let m = l4s.get(proto);
  if (!m) {
    m = deepFreeze(eq(meta('l4proto'), proto));
    if (l4s.size < 256) l4s.set(proto, m);
  }
  return m;
};
const NFPROTO = { 4: deepFreeze(eq(meta('nfproto'), 'ipv4')), 6: deepFreeze(eq(meta('nfproto'), 'ipv6')) };
export const nfproto = (family: 4 | 6): Match => NFPROTO[family];
export const fibType = (dir: 'saddr' | 'daddr', type: string): Match =>
  eq({ fib: { result: 'type', flags: [dir] } }, type);

/** `meta mark & bits == bits` */
export const markHas = (bits: number): Match => eq({ '&': [mark, bits] }, bits);
export const setMark = (value: number): Statement => ({ mangle: { key: mark, value } });
export const orMark = (bits: number): Statement => ({ mangle: { key: mark, value: { '|': [mark, bits] } } });
export const andMark = (bits: number): Statement => ({ mangle: { key: mark, value: { '&': [mark, bits] } } });

export const accept: Statement = deepFreeze({ accept: null });
export const drop: Statement = deepFreeze({ drop: null });
export const ret: Statement = deepFreeze({ return: null });
export const jump = (target: string): Statement => ({ jump: { target } });
export const goto = (target: string): Statement => ({ goto: { target } });
export const counter = (name: string): Statement => ({ counter: { name } });

export const PROTO = { icmp: 1, igmp: 2, tcp: 6, udp: 17, icmpv6: 58 } as const;

export const addrField = (family: 4 | 6, dir: 'saddr' | 'daddr'): Expr => payload(family === 4 ? 'ip' : 'ip6', dir);

