/**
 * Resolves one list of rule ASTs into PolicyRules: references looked up, families checked,
 * macros expanded. A rule with an error is reported at its option's span and skipped; the rest
 * of the list still applies (pve-firewall's per-rule tolerance).
 */
import type { AddrItem, AddrSpec, IpFamily, RuleAst, Verdict } from '../config/ast.js';
import type { Diagnostics } from '../config/diagnostics.js';
import { protocolHasPorts } from '../config/protocols.js';
import type { AddrMatch, PolicyRule } from './policy.js';
import { Code } from './codes.js';
import { expandMacro } from './macro.js';
import { RuleError, spanOf, type RuleOpt } from './rule-error.js';
import { lookupAlias, lookupSet, type ResolvedAlias, type Scope } from './scope.js';
import { ifaceName, normalizeItem, ValueError } from './values.js';

export type RuleEnvKind = 'host' | 'cluster' | 'guest' | 'group';

export interface RuleEnv {
  kind: RuleEnvKind;
  scope: Scope;
  /** Names of the cluster's security groups. */
  groups: ReadonlySet<string>;
  /** For guests: indexes N of the guest's netN NICs. */
  nics?: ReadonlySet<number>;
  /** Added to each rule's index, so that positions stay unique in a merged list (host + cluster). */
  posOffset?: number;
  /** Address matches shared by the rules of one resolve call (see AddrMatches). */
  addrs?: AddrMatches;
}

/**
 * The address matches of one resolve call: CIDR items are normalised once per text, and a single
 * CIDR, an alias or a set gives one match object for all the rules that name it. Policy rules are
 * never modified, so sharing them is safe.
 */
export class AddrMatches {
  private readonly cidrs = new Map<string, AddrItem>();
  private readonly singles = new Map<IpFamily, Map<string, AddrMatch>>([[4, new Map()], [6, new Map()]]);
  private readonly aliases = new Map<ResolvedAlias, AddrMatch>();
  private readonly sets = new Map<string, AddrMatch>();

  item(item: AddrItem): AddrItem {
    if (item.kind !== 'cidr') return normalizeItem(item);
    let n = this.cidrs.get(item.cidr);
    if (n === undefined) {
      n = normalizeItem(item);
      this.cidrs.set(item.cidr, n);
    }
    return n;
  }

  literal(spec: AddrSpec & { kind: 'literal' }): AddrMatch {
    const one = spec.items.length === 1 ? (spec.items[0] as AddrItem) : undefined;
    const byText = one?.kind === 'cidr' ? this.singles.get(spec.family) : undefined;
    if (one && byText && one.kind === 'cidr') {
      let m = byText.get(one.cidr);
      if (m === undefined) {
        m = { kind: 'literal', family: spec.family, items: [this.item(one)] };
        byText.set(one.cidr, m);
      }
      return m;
    }
    const items: AddrItem[] = [];
    for (const item of spec.items) items.push(this.item(item));
    return { kind: 'literal', family: spec.family, items };
  }

  alias(a: ResolvedAlias): AddrMatch {
    let m = this.aliases.get(a);
    if (m === undefined) {
      m = { kind: 'literal', family: a.family, items: [a.item] };
      this.aliases.set(a, m);
    }
    return m;
  }

  set(setId: string): AddrMatch {
    let m = this.sets.get(setId);
    if (m === undefined) {
      m = { kind: 'set', setId };
      this.sets.set(setId, m);
    }
    return m;
  }
}

export function resolveRules(rules: readonly RuleAst[], env: RuleEnv, diags: Diagnostics): PolicyRule[] {
  const out: PolicyRule[] = [];
  const offset = env.posOffset ?? 0;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i] as RuleAst;
    if (!r.enabled) continue;
    try {
      resolveRule(r, i + offset, env, diags, out);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      diags.error(e.span, e.code, e.message);
    }
  }
  return out;
}

/** The fields every rule has, in a fixed order. */
function head(r: RuleAst, pos: number, direction: PolicyRule['direction'], action: PolicyRule['action'], iface: string | undefined): PolicyRule {
  const rule: PolicyRule = { pos, span: r.span, direction, action, log: r.log ?? 'nolog' };
  if (iface !== undefined) rule.iface = iface;
  if (r.comment !== undefined) rule.comment = r.comment;
  return rule;
}

/** Appends the rule's policy rules to `out`; throws (before appending any) when it cannot be resolved. */
function resolveRule(r: RuleAst, pos: number, env: RuleEnv, diags: Diagnostics, out: PolicyRule[]): void {
  const iface = checkIface(r, env);

  if (r.type === 'group') {
    if (env.kind === 'group') throw new RuleError(Code.groupNested, r.span, 'security groups cannot contain GROUP rules');
    const group = r.group ?? '';
    if (!env.groups.has(group)) throw new RuleError(Code.groupUnknown, spanOf(r, 'action'), `no such security group '${group}'`);
    // A group applies to both directions: one jump from the IN chain, one from the OUT chain.
    // Host and cluster lists also jump from FORWARD (proxmox-firewall), unless the rule has `-i`.
    out.push(head(r, pos, 'in', { kind: 'group', group }, iface), head(r, pos, 'out', { kind: 'group', group }, iface));
    if ((env.kind === 'host' || env.kind === 'cluster') && iface === undefined) out.push(head(r, pos, 'forward', { kind: 'group', group }, iface));
    return;
  }

  let family: IpFamily | undefined;
  if (r.proto) family = addFamily(r, family, r.proto.num === 1 ? 4 : r.proto.num === 58 ? 6 : undefined, 'proto');
  if (r.icmpType) family = addFamily(r, family, r.icmpType.family, 'icmpType');
  let source: AddrMatch | undefined;
  if (r.source) {
    source = resolveAddr(r, 'source', r.source, env, family);
    family = matchFamily;
  }
  let dest: AddrMatch | undefined;
  if (r.dest) {
    dest = resolveAddr(r, 'dest', r.dest, env, family);
    family = matchFamily;
  }

  const verdict = r.action ?? 'DROP';
  const action = VERDICT_ACTIONS[verdict] ?? { kind: 'verdict', verdict };

  if (r.macro !== undefined) {
    const lines = expandMacro(r, family);
    if (lines.length === 0) {
      diags.warn(r.span, Code.macroFamilyEmpty, `macro '${r.macro}' has no entries for IPv${family ?? '?'}: the rule matches nothing`);
      return;
    }
    for (const l of lines) {
      const rule = Object.assign(withAddrs(head(r, pos, r.type, action, iface), source, dest), l);
      rule.macro = r.macro;
      out.push(rule);
    }
    return;
  }

  const rule = withAddrs(head(r, pos, r.type, action, iface), source, dest);
  if (family !== undefined) rule.family = family;
  if (r.proto) rule.proto = r.proto.num;
  if (r.icmpType) rule.icmpType = r.icmpType;
  if (r.dport || r.sport) {
    const opt: RuleOpt = r.dport ? 'dport' : 'sport';
    if (!r.proto) throw new RuleError(Code.portsWithoutProto, spanOf(r, opt), `'-${opt}' requires '-p'`);
    if (!protocolHasPorts(r.proto.num)) throw new RuleError(Code.portsUnsupported, spanOf(r, opt), `protocol '${r.proto.name}' does not support ports`);
    if (r.dport) rule.dport = r.dport;
    if (r.sport) rule.sport = r.sport;
  }
  out.push(rule);
}

/** One shared action object per verdict (policy rules are never modified). */
const VERDICT_ACTIONS: Partial<Record<Verdict, PolicyRule['action']>> = {
  ACCEPT: { kind: 'verdict', verdict: 'ACCEPT' },
  DROP: { kind: 'verdict', verdict: 'DROP' },
  REJECT: { kind: 'verdict', verdict: 'REJECT' },
};

function withAddrs(rule: PolicyRule, source: AddrMatch | undefined, dest: AddrMatch | undefined): PolicyRule {
  if (source) rule.source = source;
  if (dest) rule.dest = dest;
  return rule;
}

function checkIface(r: RuleAst, env: RuleEnv): string | undefined {
  if (r.iface === undefined) return undefined;
  const span = spanOf(r, 'iface');
  if (env.kind === 'group') throw new RuleError(Code.ifaceNotAllowed, span, "'-i' is not allowed in security group rules");
  if (env.kind === 'guest') {
    const m = /^net(\d+)$/.exec(r.iface);
    if (!m) throw new RuleError(Code.ifaceInvalid, span, `guest rules name NICs as 'netN', not '${r.iface}'`);
    if (!env.nics?.has(Number(m[1]))) throw new RuleError(Code.ifaceUnknown, span, `the guest has no NIC '${r.iface}'`);
    return r.iface;
  }
  try {
    return ifaceName(r.iface);
  } catch (e) {
    if (e instanceof ValueError) throw new RuleError(Code.ifaceInvalid, span, `invalid interface name '${r.iface}'`);
    throw e;
  }
}

/** The family a rule is restricted to after adding `f`; a second, different family is an error. */
function addFamily(r: RuleAst, family: IpFamily | undefined, f: IpFamily | undefined, opt: RuleOpt): IpFamily | undefined {
  if (f === undefined) return family;
  if (family !== undefined && family !== f) {
    throw new RuleError(Code.familyMismatch, spanOf(r, opt), `mixed IPv4/IPv6 in one rule ('${opt}' is IPv${f}, the rule is IPv${family})`);
  }
  return f;
}

/** The rule's family after the last resolveAddr call (a second result, without a result object). */
let matchFamily: IpFamily | undefined;

function resolveAddr(r: RuleAst, opt: 'source' | 'dest', spec: AddrSpec, env: RuleEnv, family: IpFamily | undefined): AddrMatch {
  matchFamily = family;
  switch (spec.kind) {
    case 'literal': {
      matchFamily = addFamily(r, family, spec.family, opt);
      if (env.addrs) return env.addrs.literal(spec);
      return { kind: 'literal', family: spec.family, items: spec.items.map(normalizeItem) };
    }
    case 'alias': {
      const a = lookupAlias(env.scope, spec.scope, spec.name);
      if (!a.ok) throw new RuleError(a.code, spanOf(r, opt), a.message);
      matchFamily = addFamily(r, family, a.value.family, opt);
      return env.addrs ? env.addrs.alias(a.value) : { kind: 'literal', family: a.value.family, items: [a.value.item] };
    }
    case 'ipset': {
      const s = lookupSet(env.scope, spec.scope, spec.name);
      if (!s.ok) throw new RuleError(s.code, spanOf(r, opt), s.message);
      return env.addrs ? env.addrs.set(s.value) : { kind: 'set', setId: s.value };
    }
  }
}
