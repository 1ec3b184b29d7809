/**
 * Host/cluster FORWARD rules and `policy_forward` (proxmox-firewall's host-forward and
 * cluster-forward chains) for ROUTED traffic. Bridged frames also pass inet forward (br_netfilter)
 * with the bridge as both input and output interface; those return at once, so guest traffic on
 * a bridge is left to the guest chains. Bridges are the ones the policy's guests use.
 */
import type { Policy } from '../model/policy.js';
import { accept, counter, drop, eq, jump, markHas, meta, ret } from './expr.js';
import { verdictStatements } from './host.js';
import { ACCEPT_BIT } from './marks.js';
import { chains as C, counterName } from './names.js';
import { emitRule, logStatements, ownerOf, type RuleCtx } from './rules.js';
import type { Chain, Rule } from './ruleset.js';

export function bridgesOf(p: Policy): string[] {
  return [...new Set(p.guests.flatMap((g) => g.nics.flatMap((n) => (n.bridge ? [n.bridge] : []))))].sort();
}

/**
 * undefined when nothing would be enforced (no FORWARD rules, policy ACCEPT). `groups`: the
 * security groups jumped to, whose `group-<name>-forward` chains the caller must emit. A GROUP
 * rule of host.fw/cluster.fw applies here too (as in proxmox-firewall); groups without FORWARD
 * rules would only return, so they get no jump.
 */
export function forwardChain(p: Policy, ctx: RuleCtx): { chain: Chain; groups: string[] } | undefined {
  const withForward = new Set(p.groups.filter((g) => g.rules.some((r) => r.direction === 'forward')).map((g) => g.name));
  const rules = p.host.enabled
    ? p.host.rules.filter((r) => r.direction === 'forward' && (r.action.kind === 'verdict' || withForward.has(r.action.group)))
    : [];
  const policy = p.cluster.policy_forward;
  if (!p.host.enabled || (rules.length === 0 && policy === 'ACCEPT')) return undefined;
  const groups = new Set<string>();
  const group = (name: string, matches: Rule['expr'], cnt: Rule['expr'][number]): Rule[] => {
    groups.add(name);
    return [{ expr: [...matches, jump(C.group(name, 'forward'))] }, { expr: [markHas(ACCEPT_BIT), cnt, accept] }];
  };
  const out: Rule[] = bridgesOf(p).map((b) => ({ expr: [eq(meta('iifname'), b), eq(meta('oifname'), b), ret] }));
  for (const rule of rules) {
    const scope = rule.span.file.endsWith('cluster.fw') ? 'dc' : 'host';
    out.push(...emitRule(rule, ctx, {
      chain: C.hostForward, vmid: 0, origin: `${scope}/forward/${rule.pos}`, ifaceKey: 'iifname',
      verdict: verdictStatements, group,
    }));
  }
  const origin = 'host/policy/forward';
  const cname = counterName(origin);
  ctx.counters.set(cname, ownerOf(origin));
  const log = policy === 'ACCEPT' ? [] : logStatements(ctx, p.host.options.log_level_forward, 0, C.hostForward, `policy ${policy}: `);
  if (log.length) out.push({ expr: log, origin });
  out.push({ expr: [counter(cname), policy === 'ACCEPT' ? accept : drop], origin });
  return { chain: { name: C.hostForward, rules: out, owner: 'core' }, groups: [...groups].sort() };
}
