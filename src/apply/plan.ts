import type { Chain, Elem, NamedMap, NamedSet, Ruleset, Table } from '../compiler/ruleset.js';
import * as nft from '../backend/nft/json.js';
import type { NftCommand, TableRef } from '../backend/nft/json.js';

export interface Plan {
  mode: 'full' | 'incremental' | 'noop';
  commands: NftCommand[];
  /** What changed: owners (`guest/100`), `set:<table>/<name>`, `map:<table>/<name>`, or `tables`. */
  changed: string[];
}

const tkey = (t: TableRef): string => `${t.family} ${t.name}`;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const byName = <T extends { name: string }>(xs: T[]): Map<string, T> => new Map(xs.map((x) => [x.name, x]));

export function fullPlan(next: Ruleset, prev?: Ruleset): Plan {
  const stale = (prev?.tables ?? []).filter((p) => !next.tables.some((t) => tkey(t) === tkey(p)));
  return { mode: 'full', commands: nft.fullReplaceCommands(next, stale), changed: ['tables'] };
}

/** Diff the last applied Ruleset against the desired one; undefined `prev` means a full replace. */
export function plan(prev: Ruleset | undefined, next: Ruleset): Plan {
  if (!prev) return fullPlan(next);
  if (!same(prev.tables.map(tkey), next.tables.map(tkey))) return fullPlan(next, prev);
  const phases: Phases = { declare: [], early: [], refill: [], late: [] };
  const changed: string[] = [];
  for (const [i, t] of next.tables.entries()) {
    const p = prev.tables[i] as Table;
    if (!diffTable(p, t, phases, changed)) return fullPlan(next, prev);
  }
  const commands = [...phases.declare, ...phases.early, ...phases.refill, ...phases.late];
  return commands.length ? { mode: 'incremental', commands, changed: [...new Set(changed)] } : { mode: 'noop', commands: [], changed: [] };
}

/** Commands in the order the kernel needs: declare, then elements, then rules, then deletions. */
interface Phases {
  declare: NftCommand[];
  early: NftCommand[];
  refill: NftCommand[];
  late: NftCommand[];
}

/** Returns false when the change cannot be done incrementally (then the caller replaces all). */
function diffTable(p: Table, t: Table, ph: Phases, changed: string[]): boolean {
  if (!same(p.ctHelpers ?? [], t.ctHelpers ?? [])) return false;
  const prevChains = byName(p.chains);
  const nextChains = byName(t.chains);
  for (const c of t.chains) {
    const old = prevChains.get(c.name);
    if (old && (!same(old.base, c.base) || old.comment !== c.comment || old.owner !== c.owner)) return false;
  }
  const owners = new Set<string>();
  const ownerContent = (chains: Chain[]): Map<string, string> => {
    const m = new Map<string, Chain[]>();
    for (const c of chains) m.set(c.owner, [...(m.get(c.owner) ?? []), c]);
    return new Map([...m].map(([o, cs]) => [o, JSON.stringify(cs)]));
  };
  const before = ownerContent(p.chains);
  const after = ownerContent(t.chains);
  for (const o of new Set([...before.keys(), ...after.keys()])) if (before.get(o) !== after.get(o)) owners.add(o);

  // sets and maps: type/flag changes are not incremental; element changes are
  for (const s of t.sets) {
    const old = p.sets.find((x) => x.name === s.name);
    if (!old) {
      ph.declare.push(nft.addSet(t, s));
      changed.push(`set:${t.name}/${s.name}`);
    } else if (old.type !== s.type || !same(old.flags, s.flags) || old.comment !== s.comment || old.timeout !== s.timeout || old.size !== s.size) {
      return false;
    } else if (diffElems(t, old, s, ph)) {
      changed.push(`set:${t.name}/${s.name}`);
    }
  }
  for (const m of t.maps) {
    const old = p.maps.find((x) => x.name === m.name);
    if (!old) {
      ph.early.push(nft.addMap(t, m)); // after chain declarations: a vmap may jump to a new chain
      changed.push(`map:${t.name}/${m.name}`);
    } else if (old.type !== m.type || old.kind !== m.kind || old.dataType !== m.dataType || !same(old.flags, m.flags) || old.comment !== m.comment) {
      return false;
    } else if (diffMap(t, old, m, ph)) {
      changed.push(`map:${t.name}/${m.name}`);
    }
  }
  for (const c of t.counters) {
    const old = p.counters.find((x) => x.name === c.name);
    if (!old) ph.declare.push(nft.addCounter(t, c));
    else if (old.comment !== c.comment) return false;
  }

  for (const c of t.chains) {
    if (!owners.has(c.owner)) continue;
    if (prevChains.has(c.name)) ph.refill.push(nft.flushChain(t, c.name));
    else ph.declare.push(nft.addChain(t, c));
  }
  for (const c of p.chains) {
    if (!owners.has(c.owner) || nextChains.has(c.name)) continue;
    ph.refill.push(nft.flushChain(t, c.name)); // de-reference before the chain goes
    ph.late.push(nft.deleteChain(t, c.name));
  }
  for (const c of t.chains) if (owners.has(c.owner)) for (const r of c.rules) ph.refill.push(nft.addRule(t, c.name, r));

  for (const m of p.maps) if (!t.maps.some((x) => x.name === m.name)) ph.late.unshift(nft.deleteMap(t, m.name));
  for (const s of p.sets) if (!t.sets.some((x) => x.name === s.name)) ph.late.push(nft.deleteSet(t, s.name));
  for (const c of p.counters) if (!t.counters.some((x) => x.name === c.name)) ph.late.push(nft.deleteCounter(t, c.name));
  changed.push(...[...owners].sort());
  return true;
}

const ekey = (e: Elem): string => JSON.stringify(e);

function diffElems(t: Table, old: NamedSet, s: NamedSet, ph: Phases): boolean {
  const before = new Set(old.elements.map(ekey));
  const after = new Set(s.elements.map(ekey));
  const del = old.elements.filter((e) => !after.has(ekey(e)));
  const add = s.elements.filter((e) => !before.has(ekey(e)));
  if (del.length) ph.early.push(nft.setElements('delete', t, s, del));
  if (add.length) ph.early.push(nft.setElements('add', t, s, add));
  return del.length + add.length > 0;
}

function diffMap(t: Table, old: NamedMap, m: NamedMap, ph: Phases): boolean {
  const before = new Map(old.entries.map((e) => [ekey(e.key), JSON.stringify(e.value)]));
  const after = new Map(m.entries.map((e) => [ekey(e.key), JSON.stringify(e.value)]));
  const del = old.entries.filter((e) => after.get(ekey(e.key)) !== JSON.stringify(e.value));
  const add = m.entries.filter((e) => before.get(ekey(e.key)) !== JSON.stringify(e.value));
  if (del.length) ph.early.push(nft.mapElements('delete', t, m, del));
  if (add.length) ph.early.push(nft.mapElements('add', t, m, add));
  return del.length + add.length > 0;
}
