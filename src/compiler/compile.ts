/**
 * Policy → Ruleset. Pure and deterministic. The shape is described in /work/notes/dataplane.md:
 * an inet table for everything stateful and a bridge table for port tagging, L2 filtering and
 * host→guest IN rules.
 */
import type { IpSet, Policy, SecurityGroup } from '../model/policy.js';
import { bridgeTable, portChains, type PortInfo } from './bridge.js';
import { accept, ct, drop, eq, jump, mark, meta, ne, orMark } from './expr.js';
import { filteredNics, groupChains, guestChains } from './guests.js';
import { forwardChain } from './forward.js';
import { hostChains } from './host.js';
import { ipsQueue } from './ips.js';
import { assignPortIds, EGRESS_MASK, egressValue, EST_BIT, INGRESS_MASK, portKey } from './marks.js';
import { chains as C, maps as M, TABLE } from './names.js';
import { orderChains } from './order.js';
import { helpers, synflood } from './raw.js';
import { type RuleCtx } from './rules.js';
import type { Chain, NamedCounter, NamedMap, NamedSet, Rule, Ruleset, Statement, Table } from './ruleset.js';
import { compileSet, type SetInfo } from './sets.js';
import { stdChains } from './std-chains.js';

export interface CompileFacts {
  /** The kernel has nf_conntrack_bridge (`ct` works in bridge chains). Not used by this shape yet. */
  bridgeConntrack: boolean;
  /**
   * The kernel has nft_queue. Without it, `ips: 1` guests get plain accepts (what `bypass` does
   * when no IPS listens); apply reports it. Default true.
   */
  queue?: boolean;
}

const r = (...expr: Statement[]): Rule => ({ expr });

/** Named counters by name (code-unit order, as `<` compares). */
function sortedCounters(counters: Map<string, string>): NamedCounter[] {
  const names = [...counters.keys()].sort();
  const out: NamedCounter[] = new Array(names.length);
  for (let i = 0; i < names.length; i++) out[i] = { name: names[i]!, owner: counters.get(names[i]!)! };
  return out;
}

/**
 * How compile gets the parts owned by an IP set, a security group or a guest NIC. Each is a pure
 * function of its arguments plus the global inputs given to `begin`; createCompiler memoises them.
 */
export interface CompileParts {
  /** Called once the set infos are known, before any group or guest part. */
  begin(policy: Policy, facts: CompileFacts, ctx: RuleCtx): void;
  set(s: IpSet, owner: string): { named: NamedSet[]; info: SetInfo };
  group(g: SecurityGroup, ctx: RuleCtx, dirs: readonly ('in' | 'out' | 'forward')[]): Chain[];
  guest(p: PortInfo, ctx: RuleCtx): Chain[];
  port(p: PortInfo, sets: Map<string, IpSet>, counters: Map<string, string>): Chain[];
}

export const directParts: CompileParts = {
  begin: () => undefined,
  set: compileSet,
  group: groupChains,
  guest: (p, ctx) => guestChains(p.guest, p.nic, ctx),
  port: portChains,
};

/**
 * Pure. The Ruleset is immutable once built: its rules share statement objects (and, from
 * createCompiler, whole chains and sets with earlier results); never mutate it.
 */
export function compile(policy: Policy, facts: CompileFacts): Ruleset {
  return compileWith(policy, facts, directParts);
}

export function compileWith(policy: Policy, facts: CompileFacts, parts: CompileParts): Ruleset {
  if (!policy.enabled) return { tables: [] };
  const setsById = new Map<string, IpSet>(policy.sets.map((s) => [s.id, s]));
  const namedSets: NamedSet[] = [];
  const infos = new Map<string, SetInfo>();
  for (const s of policy.sets) {
    const { named, info } = parts.set(s, s.scope === 'guest' ? `guest/${s.vmid}` : 'core');
    for (const n of named) namedSets.push(n);
    infos.set(s.id, info);
  }
  const ctx: RuleCtx = { sets: infos, ratelimit: policy.cluster.log_ratelimit, counters: new Map(), queue: facts.queue !== false };
  parts.begin(policy, facts, ctx);
  const o = policy.host.options;

  const nics = filteredNics(policy);
  const ids = assignPortIds(nics.map(({ guest, nic }) => ({ vmid: guest.vmid, nic: nic.index })));
  const ports: PortInfo[] = nics.map(({ guest, nic }) => ({ guest, nic, id: ids.get(portKey(guest.vmid, nic.index))! }));

  const chains: Chain[] = [...stdChains(o, ctx, setsById.has('dc/blacklist'))];
  if (policy.host.enabled) chains.push(...hostChains(policy, ctx));
  const fwd = forwardChain(policy, ctx);
  if (fwd) chains.push(fwd.chain);
  for (const g of policy.groups) chains.push(...parts.group(g, ctx, fwd?.groups.includes(g.name) ? ['in', 'out', 'forward'] : ['in', 'out']));
  for (const p of ports) for (const c of parts.guest(p, ctx)) chains.push(c);

  const gout: NamedMap = { name: M.guestOut, type: 'mark', kind: 'vmap', flags: [], entries: [], owner: 'core' };
  const gin: NamedMap = { name: M.guestIn, type: 'mark', kind: 'vmap', flags: [], entries: [], owner: 'core' };
  for (const p of ports) {
    gout.entries.push({ key: p.id, value: { jump: { target: C.guest(p.guest.type, p.guest.vmid, p.nic.index, 'out') } } });
    gin.entries.push({ key: egressValue(p.id), value: { jump: { target: C.guest(p.guest.type, p.guest.vmid, p.nic.index, 'in') } } });
  }
  const outDispatch = r({ vmap: { key: { '&': [mark, INGRESS_MASK] }, data: { ref: M.guestOut } } });
  const estMark = r(ct('established', 'related'), orMark(EST_BIT), accept);
  // pve's PVEFW-IPS: established traffic towards an ips guest port goes to its queue too
  const ipsEst = ports.flatMap((p) => {
    const q = ipsQueue(p.guest.options, ctx.queue);
    return q ? [r(ct('established', 'related'), eq({ '&': [mark, EGRESS_MASK] }, egressValue(p.id)), orMark(EST_BIT), q)] : [];
  });
  const base = (name: string, hook: 'input' | 'output' | 'forward', rules: Rule[]): Chain =>
    ({ name, base: { type: 'filter', hook, priority: 0, policy: 'accept' }, rules, owner: 'core' });

  chains.push(
    base(C.input, 'input', [
      r(eq(meta('iifname'), 'lo'), accept),
      r(ct('invalid'), drop),
      r(ct('established', 'related'), accept),
      outDispatch,
      ...(policy.host.enabled ? [r(jump(C.hostIn))] : []),
    ]),
    base(C.output, 'output', [
      r(eq(meta('oifname'), 'lo'), accept),
      r(ct('invalid'), drop),
      estMark,
      ...(policy.host.enabled ? [r(jump(C.hostOut))] : []),
    ]),
    base(C.forward, 'forward', [
      ...(o.nf_conntrack_allow_invalid ? [] : [r(ct('invalid'), drop)]),
      ...ipsEst,
      estMark,
      outDispatch,
      ...(fwd ? [r(jump(C.hostForward))] : []),
      r(ne({ '&': [mark, EGRESS_MASK] }, 0), jump(C.fwbrIn)),
      r({ vmap: { key: { '&': [mark, EGRESS_MASK] }, data: { ref: M.guestIn } } }),
    ]),
  );
  const syn = synflood(o);
  if (syn.chain) chains.push(syn.chain);
  namedSets.push(...syn.sets);
  const help = helpers(o);
  if (help.chain) chains.push(help.chain);

  const inet: Table = {
    family: 'inet',
    name: TABLE,
    chains: orderChains(chains, [gout, gin]),
    sets: namedSets,
    maps: [gout, gin],
    counters: sortedCounters(ctx.counters),
  };
  if (help.objects.length) inet.ctHelpers = help.objects;
  return { tables: [inet, bridgeTable(ports, inet, setsById, (p, c) => parts.port(p, setsById, c))] };
}
