/**
 * The bridge table: port tagging (ingress id in prerouting, egress id in forward), the L2 MAC and
 * ARP filter (pve's ebtables part), and host→guest IN rules in the bridge output hook. The last
 * needs copies of the guest IN chains and what they reference, translated for a family without
 * conntrack and without reject on this kernel (see /work/notes/kernel-findings.md).
 */
import type { Guest, GuestNic, IpSet } from '../model/policy.js';
import { accept, deepFreeze, drop, eq, jump, markHas, meta, ne, orMark, payload, setMark } from './expr.js';
import { addRefs, chainRefs, rememberRefs, type ChainRefs } from './refs.js';
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

export function hasV4(set: IpSet | undefined): boolean {
  return !!set?.entries.some((e) => e.item.family === 4 && !e.nomatch);
}

/** pve's ebtables `<port>-OUT` order: MAC filter, ARP source filter, ethertype allow-list. */
export function portChains(p: PortInfo, sets: Map<string, IpSet>, counters: Map<string, string>): Chain[] {
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
const PROTOCOL = { ipv4: deepFreeze(eq(meta('protocol'), 'ip')), ipv6: deepFreeze(eq(meta('protocol'), 'ip6')) };
const PKTTYPE_MATCH = new Map(Object.keys(PKTTYPE).map((t) => [t, deepFreeze(eq(meta('pkttype'), t as Value))]));

/**
 * `s` as it must read in the bridge family: itself when unchanged, a replacement, or null when
 * the rule cannot exist there.
 */
function bridgeStatement(s: Statement): Statement | null {
  if ('match' in s) {
    const left: Expr = s.match.left;
    if ('ct' in left) return null; // invalid was dropped in inet output; nothing else is stateful here
    // nfproto is NFPROTO_BRIDGE in this family: test the ethertype
    if ('meta' in left && left.meta.key === 'nfproto') return s.match.right === 'ipv4' ? PROTOCOL.ipv4 : PROTOCOL.ipv6;
    if ('fib' in left) {
      const t = PKTTYPE[String(s.match.right)];
      if (!t || left.fib.flags.includes('saddr')) return null;
      return PKTTYPE_MATCH.get(t)!;
    }
    return s;
  }
  if ('reject' in s) return drop;
  if ('queue' in s) return accept; // host→guest frames are not handed to the IPS
  return s;
}

/** A rule as it must read in the bridge family (the same object when nothing changes), or undefined. */
export function bridgeRule(rule: Rule): Rule | undefined {
  let expr: Statement[] | undefined;
  for (let i = 0; i < rule.expr.length; i++) {
    const s = rule.expr[i]!;
    const b = bridgeStatement(s);
    if (b === null) return undefined;
    if (b !== s && !expr) expr = rule.expr.slice(0, i);
    if (expr) expr.push(b);
  }
  return expr ? { ...rule, expr } : rule;
}

/** Bridge copies, per source chain object: a reused inet chain (createCompiler) reuses its copy. */
const copies = new WeakMap<Chain, Chain>();

/** The bridge copy of an inet chain, its references recorded in the same walk. */
function bridgeCopy(src: Chain): Chain {
  const hit = copies.get(src);
  if (hit) return hit;
  const refs: ChainRefs = { targets: [], sets: [], counters: [] };
  const rules: Rule[] = [];
  for (const rule of src.rules) {
    const b = bridgeRule(rule);
    if (!b) continue;
    rules.push(b);
    for (const s of b.expr) addRefs(refs, s);
  }
  const copy: Chain = { ...src, rules };
  rememberRefs(copy, refs);
  copies.set(src, copy);
  return copy;
}

export type PortChainsOf = (p: PortInfo, counters: Map<string, string>) => Chain[];

/** `portChainsOf`: how to get a port's chains (and register their counters); createCompiler memoises it. */
export function bridgeTable(ports: PortInfo[], inet: Table, sets: Map<string, IpSet>, portChainsOf: PortChainsOf = (p, c) => portChains(p, sets, c)): Table {
  const chains: Chain[] = [];
  const maps: NamedMap[] = [
    { name: M.l2In, type: 'ifname', kind: 'vmap', flags: [], entries: [], owner: 'core' },
    { name: M.l2Out, type: 'ifname', kind: 'vmap', flags: [], entries: [], owner: 'core' },
    { name: M.hostToGuest, type: 'ifname', kind: 'vmap', flags: [], entries: [], owner: 'core' },
  ];
  const [l2In, l2Out, h2g] = maps as [NamedMap, NamedMap, NamedMap];
  const portCounters = new Map<string, string>();
  for (const p of ports) {
    for (const c of portChainsOf(p, portCounters)) chains.push(c);
    l2In.entries.push({ key: p.nic.iface, value: { jump: { target: C.portIn(p.id) } } });
    l2Out.entries.push({ key: p.nic.iface, value: { jump: { target: C.portOut(p.id) } } });
    h2g.entries.push({ key: p.nic.iface, value: { jump: { target: C.portHost(p.id) } } });
  }
  // copy the closure of chains reachable from the host→guest port chains
  const byName = new Map(inet.chains.map((c) => [c.name, c]));
  const copied = new Set<string>();
  const queue: string[] = [];
  const setRefs = new Set<string>();
  for (const c of chains) {
    const refs = chainRefs(c);
    for (const t of refs.targets) if (byName.has(t)) queue.push(t);
    for (const x of refs.sets) setRefs.add(x);
  }
  const counterRefs = new Set<string>();
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head]!;
    if (copied.has(name)) continue;
    copied.add(name);
    const copy = bridgeCopy(byName.get(name)!);
    const refs = chainRefs(copy);
    for (const t of refs.targets) if (byName.has(t) && !copied.has(t)) queue.push(t);
    for (const x of refs.sets) setRefs.add(x);
    for (const x of refs.counters) counterRefs.add(x);
    chains.push(copy);
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
  // both lists sorted by name: merge
  const inetUsed = inet.counters.filter((c) => counterRefs.has(c.name) && !portCounters.has(c.name));
  const own: NamedCounter[] = [...portCounters.keys()].sort().map((name) => ({ name, owner: portCounters.get(name)! }));
  const bCounters: NamedCounter[] = [];
  let i = 0;
  let j = 0;
  while (i < inetUsed.length || j < own.length) {
    const a = inetUsed[i];
    const b = own[j];
    if (b === undefined || (a !== undefined && a.name < b.name)) {
      bCounters.push(a!);
      i++;
    } else {
      bCounters.push(b);
      j++;
    }
  }
  return { family: 'bridge', name: inet.name, chains: orderChains(chains, maps), sets: bSets, maps, counters: bCounters };
}
