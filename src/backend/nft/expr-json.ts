import type { Elem, Expr, Statement, Value, Verdict } from '../../compiler/ruleset.js';
import { RenderError } from './errors.js';
import { checkElem, checkValue, kindOfExpr, type ValueKind } from './values.js';
import { checkField, checkName, checkNumber, checkSymbol, sanitizeComment } from './validate.js';

/** Render one Ruleset expression as libnftables-json, validating every value on the way. */
export function exprJson(e: Expr): unknown {
  if ('meta' in e) return { meta: { key: e.meta.key } };
  if ('payload' in e) return { payload: { protocol: e.payload.protocol, field: checkField(e.payload.field) } };
  if ('ct' in e) return { ct: { key: e.ct.key } };
  if ('fib' in e) return { fib: { result: e.fib.result, flags: [...e.fib.flags] } };
  const [op, pair] = Object.entries(e)[0] as [string, [Expr, number]];
  return { [op]: [exprJson(pair[0]), checkNumber(pair[1])] };
}

export function elemJson(e: Elem): unknown {
  if (typeof e === 'string' || typeof e === 'number') return e;
  if ('range' in e) return { range: [e.range[0], e.range[1]] };
  return { prefix: { addr: e.prefix.addr, len: e.prefix.len } };
}

function valueJson(v: Value, kind: ValueKind): unknown {
  if (typeof v !== 'object') return v;
  if ('ref' in v) return `@${v.ref}`;
  // ct state / tcp flags: a JSON array is the bitmask form ("established,related").
  if ('set' in v) return kind === 'bitmask' ? v.set.map(elemJson) : { set: v.set.map(elemJson) };
  return elemJson(v);
}

export function verdictJson(v: Verdict): unknown {
  if ('jump' in v) return { jump: { target: checkName(v.jump.target) } };
  if ('goto' in v) return { goto: { target: checkName(v.goto.target) } };
  return v;
}

function isVerdict(s: Statement): s is Verdict {
  return ['accept', 'drop', 'return', 'continue', 'jump', 'goto'].some((k) => k in s);
}

export function statementJson(s: Statement): unknown {
  if (isVerdict(s)) return verdictJson(s);
  if ('match' in s) {
    const kind = kindOfExpr(s.match.left);
    checkValue(s.match.right, kind);
    return { match: { op: s.match.op, left: exprJson(s.match.left), right: valueJson(s.match.right, kind) } };
  }
  if ('counter' in s) return { counter: s.counter === null ? null : checkName(s.counter.name) };
  if ('log' in s) {
    const { prefix, group, level, flags } = s.log;
    if (group !== undefined && level !== undefined) {
      throw new RenderError('E_NFT_SHAPE', prefix, 'log: level and group are mutually exclusive');
    }
    const log: Record<string, unknown> = { prefix: sanitizeComment(prefix) };
    if (group !== undefined) log.group = checkNumber(group);
    if (level !== undefined) log.level = checkSymbol(level);
    if (flags?.length) log.flags = flags.map(checkSymbol);
    return { log };
  }
  if ('limit' in s) {
    const { rate, per, burst, inv } = s.limit;
    const limit: Record<string, unknown> = { rate: checkNumber(rate), per, burst: checkNumber(burst) };
    if (inv) limit.inv = true;
    return { limit };
  }
  if ('mangle' in s) return { mangle: { key: exprJson(s.mangle.key), value: mangleValueJson(s.mangle.value) } };
  if ('reject' in s) {
    if (s.reject.expr !== undefined) checkSymbol(s.reject.expr);
    return { reject: { ...s.reject } };
  }
  if ('vmap' in s) return { vmap: { key: exprJson(s.vmap.key), data: `@${checkName(s.vmap.data.ref)}` } };
  if ('notrack' in s) return { notrack: null };
  if ('set' in s) {
    const { op, elem, set, stmt } = s.set;
    const out: Record<string, unknown> = { op, elem: exprJson(elem), set: `@${checkName(set)}` };
    if (stmt?.length) out.stmt = stmt.map(statementJson);
    return { set: out };
  }
  if ('queue' in s) {
    const { num, flags } = s.queue;
    const n = typeof num === 'number' ? checkNumber(num) : { range: [checkNumber(num.range[0]), checkNumber(num.range[1])] };
    return { queue: flags.length ? { num: n, flags: [...flags] } : { num: n } };
  }
  return { 'ct helper': checkName(s['ct helper']) };
}

function mangleValueJson(v: Extract<Statement, { mangle: unknown }>['mangle']['value']): unknown {
  if (typeof v === 'number') return checkNumber(v);
  if ('map' in v) return { map: { key: exprJson(v.map.key), data: `@${checkName(v.map.data.ref)}` } };
  return exprJson(v);
}

export { checkElem };
