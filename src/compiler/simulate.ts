/**
 * A packet tracer over the compiled Ruleset (not over the policy): walks the hooks of a path,
 * the base chains of each hook in priority order, and their rules, as netfilter would.
 */
import ipaddr from 'ipaddr.js';
import { cidrInterval, familyOf, toBig } from './addr.js';
import type { Chain, Elem, Expr, NamedMap, Rule, Ruleset, Statement, Table, Value } from './ruleset.js';
import type { HookStep, SimAction, SimPacket, SimResult, TraceStep } from './sim-packet.js';

export type { HookStep, SimAction, SimPacket, SimResult, TraceStep } from './sim-packet.js';

type Scalar = string | number;
type Outcome = 'accept' | 'drop' | 'reject' | 'return' | undefined;

const TH_PROTOS = new Set([6, 17, 33, 132, 136]);
const ETHERTYPE: Record<string, number> = { ip: 0x0800, arp: 0x0806, vlan: 0x8100, ip6: 0x86dd };
const MAX_DEPTH = 64;

interface Ctx {
  pkt: SimPacket;
  step: HookStep;
  table: Table;
  mark: number;
  trace: TraceStep[];
  depth: number;
}

function fieldValue(e: Expr, c: Ctx): Scalar | undefined {
  const p = c.pkt;
  if ('meta' in e) {
    switch (e.meta.key) {
      case 'iifname': return c.step.iifname;
      case 'oifname': return c.step.oifname;
      case 'mark': return c.mark;
      case 'l4proto': return p.proto;
      case 'nfproto': return p.family === 4 ? 'ipv4' : 'ipv6';
      case 'protocol': return p.family === 4 ? 'ip' : 'ip6';
      case 'pkttype': return p.dsttype === 'broadcast' ? 'broadcast' : p.dsttype === 'multicast' ? 'multicast' : 'host';
      default: return undefined;
    }
  }
  if ('payload' in e) {
    const { protocol, field } = e.payload;
    if (protocol === 'ip' || protocol === 'ip6') {
      if ((protocol === 'ip') !== (p.family === 4)) return undefined;
      return field === 'saddr' ? p.saddr : field === 'daddr' ? p.daddr : undefined;
    }
    if (protocol === 'th' || protocol === 'tcp' || protocol === 'udp') {
      if (protocol === 'tcp' && p.proto !== 6) return undefined;
      if (protocol === 'udp' && p.proto !== 17) return undefined;
      if (!TH_PROTOS.has(p.proto)) return undefined;
      if (field === 'flags') return p.proto === 6 ? p.tcpFlags ?? 0x02 : undefined;
      return field === 'sport' ? p.sport : field === 'dport' ? p.dport : undefined;
    }
    if (protocol === 'icmp' || protocol === 'icmpv6') {
      if (p.proto !== (protocol === 'icmp' ? 1 : 58) || p.family !== (protocol === 'icmp' ? 4 : 6)) return undefined;
      return field === 'type' ? p.icmpType : field === 'code' ? p.icmpCode ?? (p.icmpType === undefined ? undefined : 0) : undefined;
    }
    if (protocol === 'ether') {
      if (field === 'saddr') return p.etherSaddr?.toLowerCase();
      if (field === 'type') return p.family === 4 ? ETHERTYPE.ip! : ETHERTYPE.ip6!;
    }
    return undefined; // arp, vlan: an IP packet has none
  }
  if ('ct' in e) return e.ct.key === 'state' ? p.ctState ?? 'new' : undefined;
  if ('fib' in e) return e.fib.flags.includes('saddr') ? p.srctype ?? 'unicast' : p.dsttype ?? 'unicast';
  const bin = (x: Expr, f: (a: number) => number): number | undefined => {
    const v = fieldValue(x, c);
    return typeof v === 'number' ? f(v) >>> 0 : undefined;
  };
  if ('&' in e) return bin(e['&'][0], (a) => a & e['&'][1]);
  if ('|' in e) return bin(e['|'][0], (a) => a | e['|'][1]);
  if ('>>' in e) return bin(e['>>'][0], (a) => a >>> e['>>'][1]);
  if ('<<' in e) return bin(e['<<'][0], (a) => a << e['<<'][1]);
  return undefined;
}

function isAddr(v: Scalar): v is string {
  return typeof v === 'string' && (ipaddr.IPv4.isValidFourPartDecimal(v) || ipaddr.IPv6.isValid(v));
}

function elemHas(el: Elem | Value, v: Scalar): boolean {
  // ethertypes are numbers here; rules may spell the common ones symbolically
  if (typeof v === 'number' && typeof el === 'string' && Object.hasOwn(ETHERTYPE, el)) return ETHERTYPE[el] === v;
  if (typeof el === 'string' || typeof el === 'number' || typeof el === 'boolean') {
    if (isAddr(v) && typeof el === 'string' && isAddr(el)) return familyOf(el) === familyOf(v) && toBig(el) === toBig(v);
    return el === v;
  }
  if ('range' in el) {
    const [lo, hi] = el.range;
    if (isAddr(v) && typeof lo === 'string') return familyOf(lo) === familyOf(v) && toBig(lo) <= toBig(v) && toBig(v) <= toBig(String(hi));
    return typeof v === 'number' && typeof lo === 'number' && lo <= v && v <= Number(hi);
  }
  if ('prefix' in el) {
    if (!isAddr(v) || familyOf(el.prefix.addr) !== familyOf(v)) return false;
    const [lo, hi] = cidrInterval(`${el.prefix.addr}/${el.prefix.len}`);
    const x = toBig(v);
    return lo <= x && x <= hi;
  }
  return false;
}

function contains(right: Value, v: Scalar, c: Ctx): boolean {
  if (typeof right === 'object' && right !== null) {
    if ('set' in right) return right.set.some((el) => elemHas(el, v));
    if ('ref' in right) {
      const set = c.table.sets.find((s) => s.name === right.ref);
      if (!set) throw new SimError('unknown-set', `set ${right.ref} not in table ${c.table.name}`);
      return set.elements.some((el) => elemHas(el, v));
    }
  }
  return elemHas(right, v);
}

export class SimError extends Error {
  constructor(readonly code: 'unknown-set' | 'unknown-map' | 'unknown-chain' | 'loop' | 'bad-zone' | 'bad-packet', message: string) {
    super(message);
    this.name = 'SimError';
  }
}

function lookupMap(name: string, c: Ctx): NamedMap {
  const m = c.table.maps.find((x) => x.name === name);
  if (!m) throw new SimError('unknown-map', `map ${name} not in table ${c.table.name}`);
  return m;
}

function chainByName(name: string, c: Ctx): Chain {
  const ch = c.table.chains.find((x) => x.name === name);
  if (!ch) throw new SimError('unknown-chain', `chain ${name} not in table ${c.table.name}`);
  return ch;
}

type StmtResult = { kind: 'next' } | { kind: 'break' } | { kind: 'verdict'; v: Outcome } | { kind: 'jump' | 'goto'; target: string };

function verdictOf(s: object): StmtResult | undefined {
  if ('accept' in s) return { kind: 'verdict', v: 'accept' };
  if ('drop' in s) return { kind: 'verdict', v: 'drop' };
  if ('return' in s) return { kind: 'verdict', v: 'return' };
  if ('continue' in s) return { kind: 'break' };
  if ('jump' in s) return { kind: 'jump', target: (s as { jump: { target: string } }).jump.target };
  if ('goto' in s) return { kind: 'goto', target: (s as { goto: { target: string } }).goto.target };
  return undefined;
}

function evalStmt(s: Statement, c: Ctx): StmtResult {
  if ('match' in s) {
    const v = fieldValue(s.match.left, c);
    if (v === undefined) return { kind: 'break' };
    const hit = contains(s.match.right, v, c);
    return (s.match.op === '!=' ? !hit : hit) ? { kind: 'next' } : { kind: 'break' };
  }
  const verdict = verdictOf(s);
  if (verdict) return verdict;
  if ('reject' in s) return { kind: 'verdict', v: 'reject' };
  // NFQUEUE: modelled as the IPS (or, with bypass, the missing listener) accepting the packet
  if ('queue' in s) return { kind: 'verdict', v: 'accept' };
  if ('limit' in s) return s.limit.inv ? { kind: 'break' } : { kind: 'next' };
  if ('set' in s) return s.set.stmt?.some((x) => 'limit' in x && x.limit.inv) ? { kind: 'break' } : { kind: 'next' };
  if ('mangle' in s) {
    const val = s.mangle.value;
    let n: number | undefined;
    if (typeof val === 'number') n = val;
    else if ('map' in val) {
      const key = fieldValue(val.map.key, c);
      const hit = key === undefined ? undefined : lookupMap(val.map.data.ref, c).entries.find((en) => elemHas(en.key, key));
      n = typeof hit?.value === 'number' ? hit.value : undefined;
    } else {
      const v = fieldValue(val, c);
      n = typeof v === 'number' ? v : undefined;
    }
    if (n === undefined) return { kind: 'break' };
    if ('meta' in s.mangle.key && s.mangle.key.meta.key === 'mark') c.mark = n >>> 0;
    return { kind: 'next' };
  }
  if ('vmap' in s) {
    const key = fieldValue(s.vmap.key, c);
    if (key === undefined) return { kind: 'break' };
    const hit = lookupMap(s.vmap.data.ref, c).entries.find((en) => elemHas(en.key, key));
    if (!hit || typeof hit.value === 'number') return { kind: 'break' };
    return verdictOf(hit.value) ?? { kind: 'break' };
  }
  return { kind: 'next' }; // counter, log, notrack, ct helper
}

function record(c: Ctx, chain: Chain, i: number, rule: Rule | undefined, effect: string): void {
  const t: TraceStep = { hook: c.step.hook, family: c.table.family, table: c.table.name, chain: chain.name, rule: i, effect };
  if (rule?.origin) t.origin = rule.origin;
  c.trace.push(t);
}

/** Runs a chain; undefined means it fell off the end. */
function runChain(chain: Chain, c: Ctx): Outcome {
  if (++c.depth > MAX_DEPTH) throw new SimError('loop', `chain depth over ${MAX_DEPTH} at ${chain.name}`);
  try {
    for (let i = 0; i < chain.rules.length; i++) {
      const rule = chain.rules[i]!;
      for (const s of rule.expr) {
        const res = evalStmt(s, c);
        if (res.kind === 'next') continue;
        if (res.kind === 'break') break;
        if (res.kind === 'verdict') {
          record(c, chain, i, rule, res.v ?? 'continue');
          return res.v;
        }
        record(c, chain, i, rule, `${res.kind} ${res.target}`);
        const out = runChain(chainByName(res.target, c), c);
        if (res.kind === 'goto') return out === undefined ? 'return' : out;
        if (out === 'accept' || out === 'drop' || out === 'reject') return out;
        break; // returned: continue with the next rule
      }
    }
    return undefined;
  } finally {
    c.depth--;
  }
}

function tablesFor(ruleset: Ruleset, step: HookStep, pkt: SimPacket): Table[] {
  if (step.family === 'bridge') return ruleset.tables.filter((t) => t.family === 'bridge');
  return ruleset.tables.filter((t) => t.family === 'inet' || t.family === (pkt.family === 4 ? 'ip' : 'ip6'));
}

/** Walks `path`; the first hook that does not accept decides. */
export function simulate(ruleset: Ruleset, pkt: SimPacket, path: HookStep[]): SimResult {
  const trace: TraceStep[] = [];
  let mark = pkt.mark ?? 0;
  for (const step of path) {
    const bases = tablesFor(ruleset, step, pkt)
      .flatMap((table) => table.chains.filter((ch) => ch.base?.hook === step.hook).map((chain) => ({ table, chain })))
      .sort((a, b) => a.chain.base!.priority - b.chain.base!.priority);
    for (const { table, chain } of bases) {
      const c: Ctx = { pkt, step, table, mark, trace, depth: 0 };
      let out = runChain(chain, c);
      mark = c.mark;
      if (out === undefined || out === 'return') {
        out = chain.base!.policy;
        record(c, chain, -1, undefined, `policy ${out}`);
      }
      if (out === 'drop' || out === 'reject') return { action: out === 'drop' ? 'DROP' : 'REJECT', trace };
    }
  }
  return { action: 'ACCEPT' as SimAction, trace };
}
