import type { Elem, Expr, Statement, Value, Verdict } from '../../compiler/ruleset.js';
import { RenderError } from './errors.js';
import { checkValue, kindOfExpr, type ValueKind } from './values.js';
import { checkField, checkName, checkNumber, checkOneOf, checkSymbol, sanitizeComment } from './validate.js';

// nft text has no quoting for these words: checked again at run time (see checkOneOf)
const META_KEYS = ['iifname', 'oifname', 'iif', 'oif', 'mark', 'l4proto', 'nfproto', 'pkttype', 'protocol', 'ibrname', 'obrname'];
const PAYLOAD_PROTOS = ['ether', 'ip', 'ip6', 'tcp', 'udp', 'th', 'icmp', 'icmpv6', 'arp', 'vlan'];
const CT_KEYS = ['state', 'mark', 'helper', 'status'];
const FIB_RESULTS = ['type', 'oif'];
const FIB_FLAGS = ['saddr', 'daddr', 'iif', 'oif'];
const BINOPS = ['&', '|', '>>', '<<'];

const hex = (n: number): string => `0x${checkNumber(n).toString(16).padStart(8, '0')}`;
export const quote = (s: string): string => `"${sanitizeComment(s)}"`;

const BARE_META = new Set(['iifname', 'oifname', 'iif', 'oif', 'ibrname', 'obrname']);

export function exprText(e: Expr): string {
  if ('meta' in e) {
    const key = checkOneOf(e.meta.key, META_KEYS, 'meta key');
    return BARE_META.has(key) ? key : `meta ${key}`;
  }
  if ('payload' in e) return `${checkOneOf(e.payload.protocol, PAYLOAD_PROTOS, 'protocol')} ${checkField(e.payload.field)}`;
  if ('ct' in e) return `ct ${checkOneOf(e.ct.key, CT_KEYS, 'ct key')}`;
  if ('fib' in e) return `fib ${e.fib.flags.map((f) => checkOneOf(f, FIB_FLAGS, 'fib flag')).join(' . ')} ${checkOneOf(e.fib.result, FIB_RESULTS, 'fib result')}`;
  const [op, pair] = Object.entries(e)[0] as [string, [Expr, number]];
  return `${exprText(pair[0])} ${checkOneOf(op, BINOPS, 'operator')} ${hex(pair[1])}`;
}

function scalarText(v: string | number | boolean, kind: ValueKind): string {
  if (typeof v === 'number') return kind === 'number' ? hex(v) : String(v);
  if (typeof v === 'boolean') return String(v);
  return kind === 'ifname' ? `"${v}"` : v;
}

export function elemText(e: Elem, kind: ValueKind): string {
  if (typeof e === 'string' || typeof e === 'number') return scalarText(e, kind);
  if ('range' in e) return `${scalarText(e.range[0], kind)}-${scalarText(e.range[1], kind)}`;
  return `${e.prefix.addr}/${e.prefix.len}`;
}

function valueText(v: Value, kind: ValueKind): string {
  if (typeof v !== 'object') return scalarText(v, kind);
  if ('ref' in v) return `@${v.ref}`;
  if ('set' in v) {
    const items = v.set.map((e) => elemText(e, kind));
    return kind === 'bitmask' ? items.join(',') : `{ ${items.join(', ')} }`;
  }
  return elemText(v, kind);
}

export function verdictText(v: Verdict): string {
  if ('jump' in v) return `jump ${checkName(v.jump.target)}`;
  if ('goto' in v) return `goto ${checkName(v.goto.target)}`;
  const word = ['accept', 'drop', 'return', 'continue'].find((k) => k in v);
  if (!word) throw new RenderError('E_NFT_SHAPE', JSON.stringify(v), 'not a verdict');
  return word;
}

function isVerdict(s: Statement): s is Verdict {
  return ['accept', 'drop', 'return', 'continue', 'jump', 'goto'].some((k) => k in s);
}

function matchText(m: Extract<Statement, { match: unknown }>['match']): string {
  const kind = kindOfExpr(m.left);
  checkValue(m.right, kind);
  const left = exprText(m.left);
  const right = valueText(m.right, kind);
  checkOneOf(m.op, ['==', '!=', 'in'], 'match operator');
  if (m.op === '!=') return `${left} != ${right}`;
  const binop = !('meta' in m.left || 'payload' in m.left || 'ct' in m.left || 'fib' in m.left);
  return m.op === '==' && binop ? `${left} == ${right}` : `${left} ${right}`;
}

export function statementText(s: Statement): string {
  if (isVerdict(s)) return verdictText(s);
  if ('match' in s) return matchText(s.match);
  if ('counter' in s) return s.counter === null ? 'counter' : `counter name ${checkName(s.counter.name)}`;
  if ('log' in s) {
    const { prefix, group, level, flags } = s.log;
    if (group !== undefined && level !== undefined) {
      throw new RenderError('E_NFT_SHAPE', prefix, 'log: level and group are mutually exclusive');
    }
    let out = `log prefix ${quote(prefix)}`;
    if (group !== undefined) out += ` group ${checkNumber(group)}`;
    if (level !== undefined) out += ` level ${checkSymbol(level)}`;
    if (flags?.length) out += ` flags ${flags.map(checkSymbol).join(',')}`;
    return out;
  }
  if ('limit' in s) {
    const { rate, per, burst, inv } = s.limit;
    return `limit rate ${inv ? 'over ' : ''}${checkNumber(rate)}/${checkOneOf(per, ['second', 'minute', 'hour', 'day'], 'limit unit')} burst ${checkNumber(burst)} packets`;
  }
  if ('mangle' in s) {
    const v = s.mangle.value;
    const kind = kindOfExpr(s.mangle.key);
    const value =
      typeof v === 'number'
        ? scalarText(v, kind)
        : 'map' in v
          ? `${exprText(v.map.key)} map @${checkName(v.map.data.ref)}`
          : exprText(v);
    return `${exprText(s.mangle.key)} set ${value}`;
  }
  if ('reject' in s) {
    const { type, expr } = s.reject;
    if (type === 'tcp reset') return 'reject with tcp reset';
    return expr === undefined ? 'reject' : `reject with ${checkOneOf(type, ['icmpx', 'icmp', 'icmpv6'], 'reject type')} ${checkSymbol(expr)}`;
  }
  if ('vmap' in s) return `${exprText(s.vmap.key)} vmap @${checkName(s.vmap.data.ref)}`;
  if ('notrack' in s) return 'notrack';
  if ('set' in s) {
    const { op, elem, set, stmt } = s.set;
    const inner = [exprText(elem), ...(stmt ?? []).map(statementText)].join(' ');
    return `${checkOneOf(op, ['add', 'update'], 'set op')} @${checkName(set)} { ${inner} }`;
  }
  if ('queue' in s) {
    const { num, flags } = s.queue;
    const n = typeof num === 'number' ? `${checkNumber(num)}` : `${checkNumber(num.range[0])}-${checkNumber(num.range[1])}`;
    return flags.length ? `queue flags ${flags.map((f) => checkOneOf(f, ['bypass', 'fanout'], 'queue flag')).join(',')} to ${n}` : `queue to ${n}`;
  }
  if (!('ct helper' in s)) throw new RenderError('E_NFT_SHAPE', JSON.stringify(s), 'unknown statement');
  return `ct helper set ${quote(checkName(s['ct helper']))}`;
}
