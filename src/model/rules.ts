/**
 * Resolves one list of rule ASTs into PolicyRules: references looked up, families checked,
 * macros expanded. A rule with an error is reported at its option's span and skipped; the rest
 * of the list still applies (pve-firewall's per-rule tolerance).
 */
import type { AddrSpec, IpFamily, RuleAst } from '../config/ast.js';
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
}

export function resolveRules(rules: readonly RuleAst[], env: RuleEnv, diags: Diagnostics): PolicyRule[] {
  const out: PolicyRule[] = [];
  const offset = env.posOffset ?? 0;
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i] as RuleAst;
    if (!r.enabled) continue;
    try {
      for (const pr of resolveRule(r, i + offset, env, diags)) out.push(pr);
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

function resolveRule(r: RuleAst, pos: number, env: RuleEnv, diags: Diagnostics): PolicyRule[] {
  const iface = checkIface(r, env);

  if (r.type === 'group') {
    if (env.kind === 'group') throw new RuleError(Code.groupNested, r.span, 'security groups cannot contain GROUP rules');
    const group = r.group ?? '';
    if (!env.groups.has(group)) throw new RuleError(Code.groupUnknown, spanOf(r, 'action'), `no such security group '${group}'`);
    // A group applies to both directions: one jump from the IN chain, one from the OUT chain.
    // Host and cluster lists also jump from FORWARD (proxmox-firewall), unless the rule has `-i`.
    const out = [head(r, pos, 'in', { kind: 'group', group }, iface), head(r, pos, 'out', { kind: 'group', group }, iface)];
    if ((env.kind === 'host' || env.kind === 'cluster') && iface === undefined) out.push(head(r, pos, 'forward', { kind: 'group', group }, iface));
    return out;
  }

  const fam = new FamilyTracker(r);
  if (r.proto) fam.add(r.proto.num === 1 ? 4 : r.proto.num === 58 ? 6 : undefined, 'proto');
  if (r.icmpType) fam.add(r.icmpType.family, 'icmpType');
  const source = r.source ? resolveAddr(r, 'source', r.source, env.scope, fam) : undefined;
  const dest = r.dest ? resolveAddr(r, 'dest', r.dest, env.scope, fam) : undefined;

  const direction = r.type;
  const action: PolicyRule['action'] = { kind: 'verdict', verdict: r.action ?? 'DROP' };
  const withAddrs = (): PolicyRule => {
    const rule = head(r, pos, direction, action, iface);
    if (source) rule.source = source;
    if (dest) rule.dest = dest;
    return rule;
  };

  if (r.macro !== undefined) {
    const lines = expandMacro(r, fam.family);
    if (lines.length === 0) {
      diags.warn(r.span, Code.macroFamilyEmpty, `macro '${r.macro}' has no entries for IPv${fam.family ?? '?'}: the rule matches nothing`);
      return [];
    }
    return lines.map((l) => {
      const rule = Object.assign(withAddrs(), l);
      rule.macro = r.macro;
      return rule;
    });
  }

  const rule = withAddrs();
  if (fam.family !== undefined) rule.family = fam.family;
  if (r.proto) rule.proto = r.proto.num;
  if (r.icmpType) rule.icmpType = r.icmpType;
  if (r.dport || r.sport) {
    const opt: RuleOpt = r.dport ? 'dport' : 'sport';
    if (!r.proto) throw new RuleError(Code.portsWithoutProto, spanOf(r, opt), `'-${opt}' requires '-p'`);
    if (!protocolHasPorts(r.proto.num)) throw new RuleError(Code.portsUnsupported, spanOf(r, opt), `protocol '${r.proto.name}' does not support ports`);
    if (r.dport) rule.dport = r.dport;
    if (r.sport) rule.sport = r.sport;
  }
  return [rule];
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

/** Accumulates the family a rule is restricted to; a second, different family is an error. */
class FamilyTracker {
  family: IpFamily | undefined;
  constructor(private readonly rule: RuleAst) {}
  add(f: IpFamily | undefined, opt: RuleOpt): void {
    if (f === undefined) return;
    if (this.family !== undefined && this.family !== f) {
      throw new RuleError(Code.familyMismatch, spanOf(this.rule, opt), `mixed IPv4/IPv6 in one rule ('${opt}' is IPv${f}, the rule is IPv${this.family})`);
    }
    this.family = f;
  }
}

function resolveAddr(r: RuleAst, opt: 'source' | 'dest', spec: AddrSpec, scope: Scope, fam: FamilyTracker): AddrMatch {
  const span = spanOf(r, opt);
  switch (spec.kind) {
    case 'literal':
      fam.add(spec.family, opt);
      return { kind: 'literal', family: spec.family, items: spec.items.map(normalizeItem) };
    case 'alias': {
      const a = lookupAlias(scope, spec.scope, spec.name);
      if (!a.ok) throw new RuleError(a.code, span, a.message);
      fam.add(a.value.family, opt);
      return { kind: 'literal', family: a.value.family, items: [a.value.item] };
    }
    case 'ipset': {
      const s = lookupSet(scope, spec.scope, spec.name);
      if (!s.ok) throw new RuleError(s.code, span, s.message);
      return { kind: 'set', setId: s.value };
    }
  }
}
