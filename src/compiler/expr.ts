/** Small constructors for Ruleset expressions and statements. */
import type { Expr, Match, MatchOp, MetaKey, PayloadProto, Statement, Value } from './ruleset.js';

export const meta = (key: MetaKey): Expr => ({ meta: { key } });
export const payload = (protocol: PayloadProto, field: string): Expr => ({ payload: { protocol, field } });
export const ctState: Expr = { ct: { key: 'state' } };
export const mark = meta('mark');

export const match = (left: Expr, op: MatchOp, right: Value): Match => ({ match: { op, left, right } });
export const eq = (left: Expr, right: Value): Match => match(left, '==', right);
export const ne = (left: Expr, right: Value): Match => match(left, '!=', right);

export const ct = (...states: string[]): Match => match(ctState, 'in', { set: states });
export const l4 = (proto: number): Match => eq(meta('l4proto'), proto);
export const nfproto = (family: 4 | 6): Match => eq(meta('nfproto'), family === 4 ? 'ipv4' : 'ipv6');
export const fibType = (dir: 'saddr' | 'daddr', type: string): Match =>
  eq({ fib: { result: 'type', flags: [dir] } }, type);

/** `meta mark & bits == bits` */
export const markHas = (bits: number): Match => eq({ '&': [mark, bits] }, bits);
export const setMark = (value: number): Statement => ({ mangle: { key: mark, value } });
export const orMark = (bits: number): Statement => ({ mangle: { key: mark, value: { '|': [mark, bits] } } });
export const andMark = (bits: number): Statement => ({ mangle: { key: mark, value: { '&': [mark, bits] } } });

export const accept: Statement = { accept: null };
export const drop: Statement = { drop: null };
export const ret: Statement = { return: null };
export const jump = (target: string): Statement => ({ jump: { target } });
export const goto = (target: string): Statement => ({ goto: { target } });
export const counter = (name: string): Statement => ({ counter: { name } });

export const PROTO = { icmp: 1, igmp: 2, tcp: 6, udp: 17, icmpv6: 58 } as const;

export const addrField = (family: 4 | 6, dir: 'saddr' | 'daddr'): Expr => payload(family === 4 ? 'ip' : 'ip6', dir);
