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
import { lookupAlias, lookupSet, type Scope } from './scope.js';
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
  /** normalizeItem, possibly remembering results for the texts it has seen (see normalizer()). */
  normalize?: (item: AddrItem) => AddrItem;
}

/**
 * normalizeItem with the results for CIDR texts kept: the same address in many rules is parsed
 * once per resolve and shares one (never modified) item object.
 */
export function normalizer(): (item: AddrItem) => AddrItem {
  const cidrs = new Map<string, AddrItem>();
  return (item) => {
    if (item.kind !== 'cidr') return normalizeItem(item);
    let n = cidrs.get(item.cidr);
    if (n === undefined) {
      n = normalizeItem(item);
      cidrs.set(item.cidr, n);
    }
    return n;
  };
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
      const norm = env.normalize ?? normalizeItem;
      let items: AddrItem[];
      if (spec.items.length === 1) items = [norm(spec.items[0] as AddrItem)];
      else {
        items = [];
        for (const item of spec.items) items.push(norm(item));
      }
      return { kind: 'literal', family: spec.family, items };
    }
    case 'alias': {
      const a = lookupAlias(env.scope, spec.scope, spec.name);
      if (!a.ok) throw new RuleError(a.code, spanOf(r, opt), a.message);
      matchFamily = addFamily(r, family, a.value.family, opt);
      return { kind: 'literal', family: a.value.family, items: [a.value.item] };
    }
    case 'ipset': {
      const s = lookupSet(env.scope, spec.scope, spec.name);
      if (!s.ok) throw new RuleError(s.code, spanOf(r, opt), s.message);
      return { kind: 'set', setId: s.value };
    }
  }
}
