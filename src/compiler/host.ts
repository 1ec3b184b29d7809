/** pve-firewall's PVEFW-HOST-IN / PVEFW-HOST-OUT. */
import type { Verdict } from '../config/ast.js';
import type { Policy } from '../model/policy.js';
import { familyOf } from './addr.js';
import { accept, addrField, counter, deepFreeze, drop, eq, fibType, jump, l4, markHas, payload, PROTO } from './expr.js';
import { ACCEPT_BIT } from './marks.js';
import { chains as C, counterName, sets as setNames } from './names.js';
import { emitRule, logStatements, ownerOf, portValue, type RuleCtx } from './rules.js';
import type { Chain, Rule, Statement } from './ruleset.js';

const r = (...expr: Statement[]): Rule => ({ expr });
const tcpPorts = (ports: [number, number][]) => [l4(PROTO.tcp), eq(payload('th', 'dport'), portValue(ports.map(([lo, hi]) => ({ lo, hi }))))];
const COROSYNC = [l4(PROTO.udp), eq(payload('th', 'dport'), { range: [5404, 5405] })];
const ND = { rs: 133, ra: 134, ns: 135, na: 136 };

const VERDICT: Record<Verdict, readonly Statement[]> = {
  ACCEPT: deepFreeze([accept]),
  DROP: deepFreeze([drop]),
  REJECT: deepFreeze([jump(C.reject)]),
};

/** Shared and frozen: callers copy the statements, never the array. */
export function verdictStatements(v: Verdict): readonly Statement[] {
  return VERDICT[v];
}

/** The policy verdict rules of a chain: noise chain, optional log, counted verdict. */
export function policyRules(ctx: RuleCtx, v: Verdict, chain: string, vmid: number, origin: string, level: Policy['host']['options']['log_level_in'], acceptStmt: Statement): Rule[] {
  const cname = counterName(origin);
  ctx.counters.set(cname, ownerOf(origin));
  if (v === 'ACCEPT') return [{ expr: [counter(cname), acceptStmt], origin }];
  const log = logStatements(ctx, level, vmid, chain, `policy ${v}: `);
  const out: Rule[] = [{ expr: [jump(v === 'DROP' ? C.dropNoise : C.rejectNoise)], origin }];
  if (log.length) out.push({ expr: log, origin });
  out.push({ expr: [counter(cname), ...(v === 'DROP' ? [drop] : [jump(C.reject)])], origin });
  return out;
}

function corosync(p: Policy, dir: 'in' | 'out'): Rule[] {
  const out: Rule[] = [];
  if (p.corosync.transport === 'udp') out.push(r(fibType('daddr', 'multicast'), ...COROSYNC, accept));
  const local = new Map(p.corosync.peers.filter((x) => x.local).map((x) => [x.ring, x.addr]));
  for (const peer of p.corosync.peers) {
    const mine = local.get(peer.ring);
    if (peer.local || mine === undefined || familyOf(mine) !== familyOf(peer.addr)) continue;
    const f = familyOf(mine);
    const [src, dst] = dir === 'in' ? [peer.addr, mine] : [mine, peer.addr];
    out.push(r(eq(addrField(f, 'saddr'), src), eq(addrField(f, 'daddr'), dst), ...COROSYNC, accept));
  }
  return out;
}

function management(p: Policy): Rule[] {
  if (!p.sets.some((s) => s.id === 'dc/management')) return [];
  const ports = tcpPorts([[8006, 8006], [5900, 5999], [3128, 3128], [22, 22], [60000, 60050]]);
  return ([4, 6] as const).map((f) => r(eq(addrField(f, 'saddr'), { ref: setNames.ip('dc/management', f) }), ...ports, accept));
}

function localNetwork(p: Policy): Rule[] {
  if (!p.localNetwork) return [];
  const f = familyOf(p.localNetwork);
  const [addr = '', len] = p.localNetwork.split('/');
  const value = len === undefined ? addr : { prefix: { addr, len: Number(len) } };
  return [r(eq(addrField(f, 'daddr'), value), ...tcpPorts([[8006, 8006], [22, 22], [5900, 5999], [3128, 3128]]), accept)];
}

function groupJump(dir: 'in' | 'out') {
  return (name: string, matches: Statement[], cnt: Statement): Rule[] => [
    r(...matches, jump(C.group(name, dir))),
    r(markHas(ACCEPT_BIT), cnt, accept),
  ];
}

function userRules(p: Policy, ctx: RuleCtx, dir: 'in' | 'out', chain: string): Rule[] {
  const out: Rule[] = [];
  for (const rule of p.host.rules) {
    if (rule.direction !== dir) continue;
    const scope = rule.span.file.endsWith('cluster.fw') ? 'dc' : 'host';
    out.push(...emitRule(rule, ctx, {
      chain, vmid: 0, origin: `${scope}/${dir}/${rule.pos}`, ifaceKey: dir === 'in' ? 'iifname' : 'oifname',
      verdict: verdictStatements, group: groupJump(dir),
    }));
  }
  return out;
}

const ndRules = (types: number[]): Rule[] => (types.length ? [r(l4(PROTO.icmpv6), eq(payload('icmpv6', 'type'), { set: types }), accept)] : []);

export function hostChains(p: Policy, ctx: RuleCtx): Chain[] {
  const o = p.host.options;
  const mgmtFirst = o.management_first;
  const hostIn: Rule[] = [
    ...(o.ndp ? ndRules([ND.rs, ND.ra, ND.ns, ND.na]) : []),
    r(jump(C.fwbrIn)),
    r(l4(PROTO.igmp), accept),
    ...(mgmtFirst ? management(p) : []),
    ...userRules(p, ctx, 'in', C.hostIn),
    ...(mgmtFirst ? [] : management(p)),
    ...corosync(p, 'in'),
    ...policyRules(ctx, p.cluster.policy_in, C.hostIn, 0, 'host/policy/in', o.log_level_in, accept),
  ];
  const hostOut: Rule[] = [
    ...(o.ndp ? ndRules([ND.rs, ND.ns, ND.na]) : []),
    r(l4(PROTO.igmp), accept),
    ...(mgmtFirst ? localNetwork(p) : []),
    ...userRules(p, ctx, 'out', C.hostOut),
    ...(mgmtFirst ? [] : localNetwork(p)),
    ...corosync(p, 'out'),
    ...policyRules(ctx, p.cluster.policy_out, C.hostOut, 0, 'host/policy/out', o.log_level_out, accept),
  ];
  return [
    { name: C.hostIn, rules: hostIn, owner: 'core' },
    { name: C.hostOut, rules: hostOut, owner: 'core' },
  ];
}
