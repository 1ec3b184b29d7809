/**
 * An incremental compiler: the same output as `compile` (deep-equal), but the Chain and NamedSet
 * objects of parts whose inputs did not change are the previous result's objects (===).
 *
 * Parts: an IP set (key: the IpSet and its owner), a security group (the SecurityGroup and its
 * directions), a guest NIC's inet chains (the Guest and the NIC index) and its bridge port chains
 * (also the port id and whether the NIC's ipfilter set has v4 entries). Bridge copies of inet
 * chains follow their source chain (bridge.ts). Everything else (the cluster options, host
 * options, facts, every set's info) is global: when any of it changes, every part is recomputed.
 * Inputs are compared by identity first, then by JSON text; inputs must not be mutated after
 * being passed in (pass new objects for changes), and results must never be mutated.
 */
import type { Guest, IpSet, Policy, SecurityGroup } from '../model/policy.js';
import { hasV4, portChains, type PortInfo } from './bridge.js';
import { compileWith, directParts, type CompileFacts, type CompileParts } from './compile.js';
import type { RuleCtx } from './rules.js';
import type { Chain, NamedSet, Ruleset } from './ruleset.js';
import type { SetInfo } from './sets.js';

export interface Compiler {
  compile(policy: Policy, facts: CompileFacts): Ruleset;
}

interface Part<T> {
  key: string;
  /** The input objects (and scalars) the key was made from: when they are the same, so is the key. */
  deps: readonly unknown[];
  value: T;
  /** Named counters the part registered (name, owner), replayed when it is reused. */
  counters: [string, string][];
}

/** Fingerprints of input objects, remembered by identity across compiles. */
class Fingerprints {
  private prev = new WeakMap<object, string>();
  of(x: object): string {
    let fp = this.prev.get(x);
    if (fp === undefined) this.prev.set(x, (fp = JSON.stringify(x)));
    return fp;
  }
}

export function createCompiler(): Compiler {
  const fps = new Fingerprints();
  let global: string | undefined;
  let sets = new Map<string, Part<{ named: NamedSet[]; info: SetInfo }>>();
  let groups = new Map<string, Part<Chain[]>>();
  let guests = new Map<string, Part<Chain[]>>();
  let ports = new Map<string, Part<Chain[]>>();
  let next = { sets, groups, guests, ports };

  /**
   * The previous part under `id` when its inputs are the same objects (`deps`, no key needed) or
   * its key is `key()`, else a new one from `make`.
   */
  function part<T>(prev: Map<string, Part<T>>, cur: Map<string, Part<T>>, id: string, deps: readonly unknown[], key: () => string, counters: Map<string, string> | undefined, make: (c: Map<string, string>) => T): T {
    let p = prev.get(id);
    if (!p || p.deps.length !== deps.length || p.deps.some((d, i) => d !== deps[i])) {
      const k = key();
      if (p && p.key === k) {
        p = { ...p, deps };
      } else {
        const own = new Map<string, string>();
        p = { key: k, deps, value: make(own), counters: [...own] };
      }
    }
    cur.set(id, p);
    if (counters) for (const [n, o] of p.counters) counters.set(n, o);
    return p.value;
  }
  const withCounters = (ctx: RuleCtx, counters: Map<string, string>): RuleCtx => ({ ...ctx, counters });
  const guestKey = (g: Guest, nic: number): string => `${fps.of(g)}\n${nic}`;

  const parts: CompileParts = {
    begin(policy, facts, ctx) {
      const infos = [...ctx.sets.values()].map((i) => [i.id, i.nomatch[4], i.nomatch[6]]);
      const key = JSON.stringify([fps.of(policy.cluster), fps.of(policy.host.options), fps.of(facts), infos]);
      if (key !== global) {
        global = key;
        groups = new Map();
        guests = new Map();
        ports = new Map();
      }
    },
    set: (s: IpSet, owner: string) => part(sets, next.sets, s.id, [s, owner], () => `${owner}\n${fps.of(s)}`, undefined, () => directParts.set(s, owner)),
    group: (g: SecurityGroup, ctx, dirs) =>
      part(groups, next.groups, g.name, [g, dirs.join()], () => `${dirs.join()}\n${fps.of(g)}`, ctx.counters, (own) => directParts.group(g, withCounters(ctx, own), dirs)),
    guest: (p: PortInfo, ctx) =>
      part(guests, next.guests, `${p.guest.vmid}i${p.nic.index}`, [p.guest, p.nic.index], () => guestKey(p.guest, p.nic.index), ctx.counters, (own) => directParts.guest(p, withCounters(ctx, own))),
    port: (p: PortInfo, setsById, counters) => {
      const v4 = !!p.nic.ipfilterSetId && hasV4(setsById.get(p.nic.ipfilterSetId));
      return part(ports, next.ports, `${p.guest.vmid}i${p.nic.index}`, [p.guest, p.nic.index, p.id, v4], () => `${p.id} ${v4}\n${guestKey(p.guest, p.nic.index)}`, counters, (own) => portChains(p, setsById, own));
    },
  };

  return {
    compile(policy, facts) {
      next = { sets: new Map(), groups: new Map(), guests: new Map(), ports: new Map() };
      const rs = compileWith(policy, facts, parts);
      if (policy.enabled) ({ sets, groups, guests, ports } = next);
      return rs;
    },
  };
}
