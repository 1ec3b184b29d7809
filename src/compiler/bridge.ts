/**
 * The bridge table: port tagging (ingress id in prerouting, egress id in forward), the L2 MAC and
 * ARP filter (pve's ebtables part), and host→guest IN rules in the bridge output hook. The last
 * needs copies of the guest IN chains and what they reference, translated for a family without
 * conntrack and without reject on this kernel (see /work/notes/kernel-findings.md).
 */
import type { Guest, GuestNic, IpSet } from '../model/policy.js';
import { drop, eq, jump, markHas, meta, ne, orMark, payload, setMark, accept } from './expr.js';
import { egressValue, EST_BIT } from './marks.js';
import { chains as C, maps as M, sets as setNames } from './names.js';
import { orderChains } from './order.js';
import { origins, type GuestFilter } from './origins.js';
import { countedBy } from './rules.js';
import type { Chain, Expr, NamedCounter, NamedMap, NamedSet, Rule, Statement, Table, Value } from './ruleset.js';

export interface PortInfo {
  guest: Guest;
  nic: GuestNic;
  id: number;
}

const r = (...expr: Statement[]): Rule => ({ expr });

function hasV4(set: IpSet | undefined): boolean {
  return !!set?.entries.some((e) => e.item.family === 4 && !e.nomatch);
}

/** pve's ebtables `<port>-OUT` order: MAC filter, ARP source filter, ethertype allow-list. */
function portChains(p: PortInfo, sets: Map<string, IpSet>, counters: Map<string, string>): Chain[] {
  const owner = `guest/${p.guest.vmid}`;
  const { vmid } = p.guest;
  const filter = (f: GuestFilter, ...match: Statement[]): Rule => {
    const origin = origins.guestFilter(vmid, f, p.nic.index);
    return { expr: [...match, countedBy({ counters }, origin), drop], origin };
  };
  const pre: Rule[] = [r(setMark(p.id))];
  if (p.guest.options.macfilter && p.nic.mac) pre.push(filter('macfilter', ne(payload('ether', 'saddr'), p.nic.mac.toLowerCase())));
  if (p.nic.ipfilterSetId && hasV4(sets.get(p.nic.ipfilterSetId))) {
    pre.push(filter('ipfilter', eq(payload('ether', 'type'), 'arp'), ne(payload('arp', 'saddr ip'), { ref: setNames.ip(p.nic.ipfilterSetId, 4) })));
  }
  const types = p.guest.ethertypes;
  if (types) pre.push(filter('layer2', ne(payload('ether', 'type'), types.length === 1 ? types[0]! : { set: types })));
  return [
    { name: C.portIn(p.id), rules: pre, owner },
    { name: C.portOut(p.id), rules: [r(orMark(egressValue(p.id)))], owner },
    // ARP and other non-IP frames never meet IP rules on the forward path either
    { name: C.portHost(p.id), rules: [r(ne(meta('protocol'), { set: ['ip', 'ip6'] }), accept), r(jump(C.fwbrIn)), r(jump(C.guest(p.guest.type, p.guest.vmid, p.nic.index, 'in')))], owner },
  ];
}

const PKTTYPE: Record<string, string> = { broadcast: 'broadcast', multicast: 'multicast' };

/** A rule as it must read in the bridge family, or undefined when it cannot exist there. */
export function bridgeRule(rule: Rule): Rule | undefined {
  const expr: Statement[] = [];
  for (const s of rule.expr) {
    if ('match' in s) {
      const left: Expr = s.match.left;
      if ('ct' in left) return undefined; // invalid was dropped in inet output; nothing else is stateful here
      if ('meta' in left && left.meta.key === 'nfproto') {
        // nfproto is NFPROTO_BRIDGE in this family: test the ethertype
        expr.push(eq(meta('protocol'), s.match.right === 'ipv4' ? 'ip' : 'ip6'));
        continue;
      }
      if ('fib' in left) {
        const t = PKTTYPE[String(s.match.right)];
        if (!t || left.fib.flags.includes('saddr')) return undefined;
        expr.push(eq(meta('pkttype'), t as Value));
        continue;
      }
    }
    if ('reject' in s) {
      expr.push(drop);
      continue;
    }
    if ('queue' in s) {
      expr.push(accept); // host→guest frames are not handed to the IPS
      continue;
    }
    expr.push(s);
  }
  return { ...rule, expr };
}

function targets(rule: Rule): string[] {
  return rule.expr.flatMap((s) => ('jump' in s ? [s.jump.target] : 'goto' in s ? [s.goto.target] : []));
}

function refs(rule: Rule): string[] {
  return rule.expr.flatMap((s) => ('match' in s && typeof s.match.right === 'object' && s.match.right !== null && 'ref' in s.match.right ? [s.match.right.ref] : []));
}

function counters(rule: Rule): string[] {
  return rule.expr.flatMap((s) => ('counter' in s && s.counter ? [s.counter.name] : []));
}

export function bridgeTable(ports: PortInfo[], inet: Table, sets: Map<string, IpSet>): Table {
  const chains: Chain[] = [];
  const maps: NamedMap[] = [
    { name: M.l2In, type: 'ifname', kind: 'vmap', flags: [], entries: [], owner: 'core' },
    { name: M.l2Out, type: 'ifname', kind: 'vmap', flags: [], entries: [], owner: 'core' },
    { name: M.hostToGuest, type: 'ifname', kind: 'vmap', flags: [], entries: [], owner: 'core' },
  ];
  const [l2In, l2Out, h2g] = maps as [NamedMap, NamedMap, NamedMap];
  const portCounters = new Map<string, string>();
  for (const p of ports) {
    chains.push(...portChains(p, sets, portCounters));
    l2In.entries.push({ key: p.nic.iface, value: { jump: { target: C.portIn(p.id) } } });
    l2Out.entries.push({ key: p.nic.iface, value: { jump: { target: C.portOut(p.id) } } });
    h2g.entries.push({ key: p.nic.iface, value: { jump: { target: C.portHost(p.id) } } });
  }
  // copy the closure of chains reachable from the host→guest port chains
  const byName = new Map(inet.chains.map((c) => [c.name, c]));
  const copied = new Set<string>();
  const queue = chains.flatMap((c) => c.rules.flatMap(targets)).filter((t) => byName.has(t));
  const setRefs = new Set(chains.flatMap((c) => c.rules.flatMap(refs)));
  const counterRefs = new Set<string>();
  while (queue.length) {
    const name = queue.shift()!;
    if (copied.has(name)) continue;
    copied.add(name);
    const src = byName.get(name)!;
    const rules = src.rules.map(bridgeRule).filter((x): x is Rule => x !== undefined);
    for (const rule of rules) {
      for (const t of targets(rule)) if (byName.has(t) && !copied.has(t)) queue.push(t);
      refs(rule).forEach((x) => setRefs.add(x));
      counters(rule).forEach((x) => counterRefs.add(x));
    }
    chains.push({ ...src, rules });
  }
  chains.push(
    { name: C.brPre, base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' }, owner: 'core',
      rules: [r(setMark(0)), r({ vmap: { key: meta('iifname'), data: { ref: M.l2In } } })] },
    { name: C.brEgress, base: { type: 'filter', hook: 'forward', priority: -100, policy: 'accept' }, owner: 'core',
      rules: [r({ vmap: { key: meta('oifname'), data: { ref: M.l2Out } } })] },
    { name: C.brOut, base: { type: 'filter', hook: 'output', priority: 0, policy: 'accept' }, owner: 'core',
      rules: [r(markHas(EST_BIT), accept), r({ vmap: { key: meta('oifname'), data: { ref: M.hostToGuest } } })] },
  );
  const bSets: NamedSet[] = inet.sets.filter((s) => setRefs.has(s.name));
  const bCounters: NamedCounter[] = inet.counters.filter((c) => counterRefs.has(c.name) && !portCounters.has(c.name));
  for (const [name, owner] of portCounters) bCounters.push({ name, owner });
  bCounters.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { family: 'bridge', name: inet.name, chains: orderChains(chains, maps), sets: bSets, maps, counters: bCounters };
}
