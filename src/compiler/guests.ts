/** Guest NIC chains (pve's tap<vmid>i<n>-IN/OUT) and security group chains. */
import type { Verdict } from '../config/ast.js';
import type { Guest, GuestNic, Policy, SecurityGroup } from '../model/policy.js';
import { accept, addrField, andMark, deepFreeze, drop, eq, jump, l4, markHas, ne, nfproto, orMark, payload, PROTO, ret } from './expr.js';
import { verdictStatements, policyRules } from './host.js';
import { ACCEPT_BIT, ALL_BITS } from './marks.js';
import { chains as C, sets as setNames } from './names.js';
import { ipsQueue } from './ips.js';
import { origins } from './origins.js';
import { countedBy, emitRule, type RuleCtx } from './rules.js';
import type { Chain, Rule, Statement } from './ruleset.js';

const r = (...expr: Statement[]): Rule => ({ expr });
const udp = (sport: number, dport: number, family: 4 | 6): Statement[] => [
  nfproto(family), l4(PROTO.udp), eq(payload('th', 'sport'), sport), eq(payload('th', 'dport'), dport),
];
const icmp6 = (types: number[]): Statement[] => [l4(PROTO.icmpv6), eq(payload('icmpv6', 'type'), types.length === 1 ? types[0]! : { set: types })];
const ND = { rs: 133, ra: 134, ns: 135, na: 136 };
// the same for every guest: shared, frozen rule objects
const fixed = (...expr: Statement[]): Rule => deepFreeze(r(...expr));
const DHCP = {
  in: [fixed(...udp(67, 68, 4), accept), fixed(...udp(547, 546, 6), accept)],
  out: [fixed(...udp(68, 67, 4), ret), fixed(...udp(546, 547, 6), ret)],
};
const RA_DROP = fixed(...icmp6([ND.ra]), drop);
const NDP = {
  in: fixed(...icmp6([ND.rs, ND.ra, ND.ns, ND.na]), accept),
  out: fixed(...icmp6([ND.rs, ND.ra, ND.ns, ND.na]), ret),
  outNoRa: fixed(...icmp6([ND.rs, ND.ns, ND.na]), ret),
};
const OUT_ACCEPT: readonly Statement[] = deepFreeze([ret]);

/** NICs that get chains: enabled guest, `firewall=1`. */
export function filteredNics(p: Policy): { guest: Guest; nic: GuestNic }[] {
  return p.guests.filter((g) => g.enabled).flatMap((guest) => guest.nics.filter((n) => n.firewall).map((nic) => ({ guest, nic })));
}

function outVerdict(v: Verdict): readonly Statement[] {
  return v === 'ACCEPT' ? OUT_ACCEPT : verdictStatements(v);
}

function groupJump(dir: 'in' | 'out', inAccept: Statement) {
  return (name: string, matches: Statement[], cnt: Statement): Rule[] => [
    r(...matches, jump(C.group(name, dir))),
    r(markHas(ACCEPT_BIT), cnt, dir === 'in' ? inAccept : ret),
  ];
}

function ipfilter(setId: string, ctx: RuleCtx, vmid: number, nic: number): Rule[] {
  // "not in the anti-spoofing set → drop", per family; one counter per NIC for both families
  const origin = origins.guestFilter(vmid, 'ipfilter', nic);
  const cnt = countedBy(ctx, origin);
  return ([4, 6] as const).map((f) => ({ expr: [ne(addrField(f, 'saddr'), { ref: setNames.ip(setId, f) }), cnt, drop], origin }));
}

export function guestChains(guest: Guest, nic: GuestNic, ctx: RuleCtx): Chain[] {
  const o = guest.options;
  const owner = `guest/${guest.vmid}`;
  // with ips, what IN accepts goes to the IPS instead (DHCP and NDP stay plain accepts, as in pve)
  const inAccept = ipsQueue(o, ctx.queue) ?? accept;
  const inAccepts = [inAccept];
  const inVerdict = (v: Verdict): readonly Statement[] => (v === 'ACCEPT' ? inAccepts : verdictStatements(v));
  const out: Chain[] = [];
  for (const dir of ['in', 'out'] as const) {
    const name = C.guest(guest.type, guest.vmid, nic.index, dir);
    const rules: Rule[] = [];
    if (o.dhcp) rules.push(...DHCP[dir]);
    if (dir === 'out') {
      if (!o.radv) rules.push(RA_DROP);
      if (nic.ipfilterSetId && ctx.sets.has(nic.ipfilterSetId)) rules.push(...ipfilter(nic.ipfilterSetId, ctx, guest.vmid, nic.index));
    }
    if (o.ndp) rules.push(dir === 'in' ? NDP.in : o.radv ? NDP.out : NDP.outNoRa);
    for (const rule of guest.rules) {
      if (rule.iface !== undefined && rule.iface !== `net${nic.index}`) continue;
      if (rule.direction !== dir) continue;
      const plain = rule.iface === undefined ? rule : { ...rule, iface: undefined };
      emitRule(plain, ctx, {
        chain: name, vmid: guest.vmid, origin: origins.guestRule(guest.vmid, dir, rule.pos),
        verdict: dir === 'in' ? inVerdict : outVerdict, group: groupJump(dir, inAccept),
      }, rules);
    }
    const policy = dir === 'in' ? o.policy_in : o.policy_out;
    const level = dir === 'in' ? o.log_level_in : o.log_level_out;
    rules.push(...policyRules(ctx, policy, name, guest.vmid, origins.guestPolicy(guest.vmid, dir, nic.index), level, dir === 'in' ? inAccept : ret));
    out.push({ name, rules, owner });
  }
  return out;
}

export function groupChains(g: SecurityGroup, ctx: RuleCtx, dirs: readonly ('in' | 'out' | 'forward')[] = ['in', 'out']): Chain[] {
  return dirs.map((dir) => {
    const name = C.group(g.name, dir);
    const rules: Rule[] = [r(andMark(ALL_BITS - ACCEPT_BIT))];
    for (const rule of g.rules) {
      if (rule.action.kind !== 'verdict' || rule.direction !== dir) continue;
      rules.push(...emitRule({ ...rule, iface: undefined }, ctx, {
        chain: name, vmid: 0, origin: `group/${g.name}/${dir}/${rule.pos}`,
        verdict: (v) => (v === 'ACCEPT' ? [orMark(ACCEPT_BIT), ret] : verdictStatements(v)),
        group: () => [],
      }));
    }
    return { name, rules, owner: `group/${g.name}` };
  });
}
