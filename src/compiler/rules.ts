/** One PolicyRule → nft rules (one per IP family it needs), with log rule and named counter. */
import type { IpFamily, LogLevel, PortRange, Verdict } from '../config/ast.js';
import type { LogRateLimit } from '../config/options.js';
import type { AddrMatch, PolicyRule } from '../model/policy.js';
import { cidrInterval } from './addr.js';
import { addrField, counter, deepFreeze, eq, l4, meta, ne, nfproto, payload } from './expr.js';
import { counterName, sets as setNames } from './names.js';
import type { Elem, Rule, Statement, Value } from './ruleset.js';
import type { SetInfo } from './sets.js';

export interface RuleCtx {
  sets: Map<string, SetInfo>;
  ratelimit: LogRateLimit;
  /** Every named counter used (name → owner), collected for the table. */
  counters: Map<string, string>;
  /** nft_queue is available (see CompileFacts.queue). */
  queue: boolean;
}

export const LOG_LEVEL: Record<Exclude<LogLevel, 'nolog'>, number> = {
  emerg: 0, alert: 1, crit: 2, err: 3, warning: 4, notice: 5, info: 6, debug: 7,
};

export function portValue(ports: PortRange[]): Value {
  const elems: Elem[] = ports.map((p) => (p.lo === p.hi ? p.lo : { range: [p.lo, p.hi] }));
  if (elems.length === 1) {
    const only = elems[0]!;
    return typeof only === 'number' ? only : (only as { range: [number, number] });
  }
  return { set: elems };
}

function literalValue(m: Extract<AddrMatch, { kind: 'literal' }>): Value {
  const elems: Elem[] = m.items.map((it) => {
    if (it.kind === 'range') return { range: [it.from, it.to] };
    const [addr = '', len] = it.cidr.split('/');
    const full = m.family === 4 ? 32 : 128;
    if (len === undefined || Number(len) === full) return addr;
    cidrInterval(it.cidr); // validates
    return { prefix: { addr, len: Number(len) } };
  });
  const only = elems[0];
  if (elems.length === 1 && only !== undefined) return typeof only === 'string' ? only : (only as Value);
  return { set: elems };
}

/** The two match statements of a set (per family and direction) are shared by every rule using it. */
const setMatches = new WeakMap<SetInfo, Map<string, Statement>>();

function setMatch(info: SetInfo, family: IpFamily, dir: 'saddr' | 'daddr', nomatch: boolean): Statement {
  let m = setMatches.get(info);
  if (!m) setMatches.set(info, (m = new Map()));
  const k = `${family}${dir}${nomatch ? 'n' : ''}`;
  let s = m.get(k);
  if (!s) {
    const field = addrField(family, dir);
    s = deepFreeze(nomatch ? ne(field, { ref: setNames.ip(info.id, family, true) }) : eq(field, { ref: setNames.ip(info.id, family) }));
    m.set(k, s);
  }
  return s;
}

/** Appends the address matches to `out`; false when `m` cannot match in `family`. */
function addrMatches(out: Statement[], m: AddrMatch, family: IpFamily, dir: 'saddr' | 'daddr', ctx: RuleCtx): boolean {
  if (m.kind === 'literal') {
    if (m.family !== family) return false;
    out.push(eq(addrField(family, dir), literalValue(m)));
    return true;
  }
  const info = ctx.sets.get(m.setId);
  if (!info) return false;
  if (info.nomatch[family]) out.push(setMatch(info, family, dir, true));
  out.push(setMatch(info, family, dir, false));
  return true;
}

function ruleFamilies(rule: PolicyRule): IpFamily[] {
  let fams: IpFamily[] = rule.family ? [rule.family] : [4, 6];
  const only = (f: IpFamily) => (fams = fams.filter((x) => x === f));
  for (const a of [rule.source, rule.dest]) if (a?.kind === 'literal') only(a.family);
  if (rule.icmpType) only(rule.icmpType.family);
  if (rule.proto === 1) only(4);
  if (rule.proto === 58) only(6);
  return fams;
}

/** Match statements of `rule` per family; families the rule cannot match are left out. */
export function ruleMatchSets(rule: PolicyRule, ctx: RuleCtx, ifaceKey?: 'iifname' | 'oifname'): Statement[][] {
  const fams = ruleFamilies(rule);
  const needsFamily = !!(rule.source || rule.dest || rule.icmpType || fams.length === 1);
  const perFamily: (IpFamily | undefined)[] = needsFamily ? fams : [undefined];
  const out: Statement[][] = [];
  for (const family of perFamily) {
    const s: Statement[] = [];
    if (ifaceKey && rule.iface) s.push(eq(meta(ifaceKey), rule.iface));
    let hasAddr = false;
    if (family !== undefined) {
      if (rule.source && !addrMatches(s, rule.source, family, 'saddr', ctx)) continue;
      if (rule.dest && !addrMatches(s, rule.dest, family, 'daddr', ctx)) continue;
      hasAddr = !!(rule.source || rule.dest);
    }
    if (family !== undefined && !hasAddr) s.push(nfproto(family));
    if (rule.proto !== undefined) s.push(l4(rule.proto));
    if (rule.sport?.length) s.push(eq(payload('th', 'sport'), portValue(rule.sport)));
    if (rule.dport?.length) s.push(eq(payload('th', 'dport'), portValue(rule.dport)));
    if (rule.icmpType) {
      const proto = rule.icmpType.family === 4 ? 'icmp' : 'icmpv6';
      if (rule.proto === undefined) s.push(l4(rule.icmpType.family === 4 ? 1 : 58));
      s.push(eq(payload(proto, 'type'), rule.icmpType.type));
      if (rule.icmpType.code !== undefined) s.push(eq(payload(proto, 'code'), rule.icmpType.code));
    }
    out.push(s);
  }
  return out;
}

/** The log rate limit statement, shared by every log rule of one policy. */
const limits = new WeakMap<LogRateLimit, Statement>();

export function logStatements(ctx: RuleCtx, level: LogLevel, vmid: number, chain: string, msg: string): Statement[] {
  if (level === 'nolog') return [];
  const s: Statement[] = [];
  const rl = ctx.ratelimit;
  if (rl.enable) {
    let lim = limits.get(rl);
    if (!lim) limits.set(rl, (lim = deepFreeze({ limit: { rate: rl.rate.count, per: rl.rate.per, burst: rl.burst } })));
    s.push(lim);
  }
  s.push({ log: { prefix: `:${vmid}:${LOG_LEVEL[level]}:${chain}: ${msg}`, group: 0 } });
  return s;
}

/** The update unit a rule origin belongs to: `guest/100/in/3` → `guest/100`. */
export function ownerOf(origin: string): string {
  const [scope, id] = origin.split('/');
  return (scope === 'guest' || scope === 'group') && id !== undefined ? `${scope}/${id}` : 'core';
}

/** The named counter of `origin`, registered (with its owner) for the table. */
export function countedBy(ctx: Pick<RuleCtx, 'counters'>, origin: string): Statement {
  return counter(registerCounter(ctx, origin));
}

/** Registers the named counter of `origin` (with its owner) and returns its name. */
export function registerCounter(ctx: Pick<RuleCtx, 'counters'>, origin: string): string {
  const name = counterName(origin);
  ctx.counters.set(name, ownerOf(origin));
  return name;
}

export interface EmitOpts {
  chain: string;
  vmid: number;
  origin: string;
  ifaceKey?: 'iifname' | 'oifname';
  /** Statements that implement each verdict in this chain. */
  verdict: (v: Verdict) => readonly Statement[];
  /** Rules that implement a jump into a security group. */
  group: (name: string, matches: Statement[], counterStmt: Statement) => Rule[];
}

/** The nft rules for one policy rule: [log rule,] counted verdict rule, per family. */
export function emitRule(rule: PolicyRule, ctx: RuleCtx, o: EmitOpts, out: Rule[] = []): Rule[] {
  const cnt = counter(registerCounter(ctx, o.origin));
  for (const matches of ruleMatchSets(rule, ctx, o.ifaceKey)) {
    if (rule.action.kind === 'group') {
      for (const g of o.group(rule.action.group, matches, cnt)) out.push({ ...g, origin: o.origin });
      continue;
    }
    const v = rule.action.verdict;
    if (rule.log !== 'nolog') {
      const log = logStatements(ctx, rule.log, o.vmid, o.chain, `${v}: `);
      if (log.length) out.push({ expr: matches.concat(log), origin: o.origin });
    }
    // `matches` is this rule's own array: it becomes the verdict rule's expression
    matches.push(cnt);
    for (const s of o.verdict(v)) matches.push(s);
    const r: Rule = { expr: matches, origin: o.origin };
    if (rule.comment) r.comment = rule.comment;
    out.push(r);
  }
  return out;
}
