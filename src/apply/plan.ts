import type { Chain, NamedCounter, NamedMap, NamedSet, Ruleset, Table } from '../compiler/ruleset.js';
import { RenderError } from '../backend/nft/errors.js';
import type { NftCommand, TableRef } from '../backend/nft/json.js';
import { opCount, opsJson, type NftOp } from '../backend/nft/ops.js';
import { diffList, elemKey } from './elements.js';
import { deepEqual } from './equal.js';

export interface Plan {
  mode: 'full' | 'incremental' | 'noop';
  /** The transaction, rendered as nft text or JSON by the transaction (see transaction.ts). */
  ops: NftOp[];
  /** How many nft commands the plan stands for (a whole table counts one per object and rule). */
  count: number;
  /** The plan as libnftables-json commands, rendered on first use. */
  readonly commands: NftCommand[];
  /** What changed: owners (`guest/100`), `set:<table>/<name>`, `map:<table>/<name>`, or `tables`. */
  changed: string[];
}

/*
 * Rulesets are immutable once compiled: the planner and the applied state keep references to
 * them (no copies) and cache per-table indexes by object identity. Whoever changes a Ruleset
 * after handing it to apply() must hand over a new object instead.
 */

function makePlan(mode: Plan['mode'], ops: NftOp[], changed: string[]): Plan {
  let commands: NftCommand[] | undefined;
  let count = 0;
  for (const o of ops) count += opCount(o);
  return {
    mode,
    ops,
    count,
    changed,
    get commands() {
      commands ??= opsJson(ops);
      return commands;
    },
  };
}

const tkey = (t: TableRef): string => `${t.family} ${t.name}`;

export function fullPlan(next: Ruleset, prev?: Ruleset): Plan {
  const ops: NftOp[] = [];
  const seen = new Set<string>();
  for (const t of next.tables) {
    if (seen.has(tkey(t))) throw new RenderError('E_NFT_NAME', t.name, `duplicate table ${tkey(t)}`);
    seen.add(tkey(t));
    ops.push({ op: 'addTable', t }, { op: 'deleteTable', t }, { op: 'addTable', t }, { op: 'fillTable', t });
  }
  for (const t of prev?.tables ?? []) {
    if (seen.has(tkey(t))) continue;
    seen.add(tkey(t));
    ops.push({ op: 'addTable', t }, { op: 'deleteTable', t });
  }
  return makePlan('full', ops, ['tables']);
}

/** Diff the last applied Ruleset against the desired one; undefined `prev` means a full replace. */
export function plan(prev: Ruleset | undefined, next: Ruleset): Plan {
  if (!prev) return fullPlan(next);
  if (prev === next) return makePlan('noop', [], []);
  if (prev.tables.length !== next.tables.length || prev.tables.some((p, i) => tkey(p) !== tkey(next.tables[i] as Table))) return fullPlan(next, prev);
  const ph: Phases = { declare: [], early: [], refill: [], lateMaps: [], late: [] };
  const changed: string[] = [];
  for (const [i, t] of next.tables.entries()) {
    const p = prev.tables[i] as Table;
    if (p !== t && !diffTable(p, t, ph, changed)) return fullPlan(next, prev);
  }
  const ops = [...ph.declare, ...ph.early, ...ph.refill, ...ph.lateMaps, ...ph.late];
  return ops.length ? makePlan('incremental', ops, [...new Set(changed)]) : makePlan('noop', [], []);
}

/** Ops in the order the kernel needs: declare, then elements, then rules, then deletions. */
interface Phases {
  declare: NftOp[];
  early: NftOp[];
  refill: NftOp[];
  /** Maps go first among the deletions: a vmap may still jump to a chain that goes. */
  lateMaps: NftOp[];
  late: NftOp[];
}

interface TableIndex {
  chains: Map<string, Chain>;
  owners: Map<string, Chain[]>;
  sets: Map<string, NamedSet>;
  maps: Map<string, NamedMap>;
}

const indexes = new WeakMap<Table, TableIndex>();

/** Per-table lookups, built once per (immutable) table object. */
function indexOf(t: Table): TableIndex {
  let ix = indexes.get(t);
  if (!ix) {
    const owners = new Map<string, Chain[]>();
    for (const c of t.chains) {
      const list = owners.get(c.owner);
      if (list) list.push(c);
      else owners.set(c.owner, [c]);
    }
    ix = {
      chains: new Map(t.chains.map((c) => [c.name, c])),
      owners,
      sets: new Map(t.sets.map((s) => [s.name, s])),
      maps: new Map(t.maps.map((m) => [m.name, m])),
    };
    indexes.set(t, ix);
  }
  return ix;
}

/** Returns false when the change cannot be done incrementally (then the caller replaces all). */
function diffTable(p: Table, t: Table, ph: Phases, changed: string[]): boolean {
  if (!deepEqual(p.ctHelpers ?? [], t.ctHelpers ?? [])) return false;
  const pi = indexOf(p);
  const ti = indexOf(t);
  for (const c of t.chains) {
    const old = pi.chains.get(c.name);
    if (old && old !== c && (!deepEqual(old.base, c.base) || old.comment !== c.comment || old.owner !== c.owner)) return false;
  }
  const owners = new Set<string>();
  for (const [o, cs] of ti.owners) if (!deepEqual(pi.owners.get(o), cs)) owners.add(o);
  for (const o of pi.owners.keys()) if (!ti.owners.has(o)) owners.add(o);

  // sets and maps: type/flag changes are not incremental; element changes are
  for (const s of t.sets) {
    const old = pi.sets.get(s.name);
    if (!old) {
      ph.declare.push({ op: 'addSet', t, set: s });
      changed.push(`set:${t.name}/${s.name}`);
    } else if (old === s) {
      continue;
    } else if (old.type !== s.type || !deepEqual(old.flags, s.flags) || old.comment !== s.comment || old.timeout !== s.timeout || old.size !== s.size) {
      return false;
    } else if (diffElems(t, old, s, ph)) {
      changed.push(`set:${t.name}/${s.name}`);
    }
  }
  for (const m of t.maps) {
    const old = pi.maps.get(m.name);
    if (!old) {
      ph.early.push({ op: 'addMap', t, map: m }); // after chain declarations: a vmap may jump to a new chain
      changed.push(`map:${t.name}/${m.name}`);
    } else if (old === m) {
      continue;
    } else if (old.type !== m.type || old.kind !== m.kind || old.dataType !== m.dataType || !deepEqual(old.flags, m.flags) || old.comment !== m.comment) {
      return false;
    } else if (diffMap(t, old, m, ph)) {
      changed.push(`map:${t.name}/${m.name}`);
    }
  }
  for (const c of t.chains) {
    if (!owners.has(c.owner)) continue;
    if (pi.chains.has(c.name)) ph.refill.push({ op: 'flushChain', t, name: c.name });
    else ph.declare.push({ op: 'addChain', t, chain: c });
  }
  for (const c of p.chains) {
    if (!owners.has(c.owner) || ti.chains.has(c.name)) continue;
    ph.refill.push({ op: 'flushChain', t, name: c.name }); // de-reference before the chain goes
    ph.late.push({ op: 'deleteChain', t, name: c.name });
  }
  for (const c of t.chains) if (owners.has(c.owner)) for (const rule of c.rules) ph.refill.push({ op: 'addRule', t, chain: c.name, rule });

  for (const m of p.maps) if (!ti.maps.has(m.name)) ph.lateMaps.push({ op: 'deleteMap', t, name: m.name });
  for (const s of p.sets) if (!ti.sets.has(s.name)) ph.late.push({ op: 'deleteSet', t, name: s.name });
  if (!diffCounters(t, p.counters, t.counters, ph)) return false; // deletions after the rules that used them
  for (const o of [...owners].sort()) changed.push(o);
  return true;
}

/** Named counters: by position when the names line up (the usual case), else by name. */
function diffCounters(t: Table, before: NamedCounter[], after: NamedCounter[], ph: Phases): boolean {
  if (before === after) return true;
  const aligned = before.length === after.length && before.every((c, i) => c.name === (after[i] as NamedCounter).name);
  if (aligned) return before.every((c, i) => c.comment === (after[i] as NamedCounter).comment);
  const old = new Map(before.map((c) => [c.name, c]));
  const names = new Set<string>();
  for (const c of after) {
    names.add(c.name);
    const o = old.get(c.name);
    if (!o) ph.declare.push({ op: 'addCounter', t, counter: c });
    else if (o.comment !== c.comment) return false;
  }
  for (const c of before) if (!names.has(c.name)) ph.late.push({ op: 'deleteCounter', t, name: c.name });
  return true;
}

function diffElems(t: Table, old: NamedSet, s: NamedSet, ph: Phases): boolean {
  const { removed, added } = diffList(old.elements, s.elements, elemKey);
  if (removed.length) ph.early.push({ op: 'setElements', verb: 'delete', t, set: s, elems: removed });
  if (added.length) ph.early.push({ op: 'setElements', verb: 'add', t, set: s, elems: added });
  return removed.length + added.length > 0;
}

type Entry = NamedMap['entries'][number];
const entryKey = (e: Entry): string => `${elemKey(e.key)}\u0000${JSON.stringify(e.value)}`;

function diffMap(t: Table, old: NamedMap, m: NamedMap, ph: Phases): boolean {
  const { removed, added } = diffList(old.entries, m.entries, entryKey);
  if (removed.length) ph.early.push({ op: 'mapElements', verb: 'delete', t, map: m, entries: removed });
  if (added.length) ph.early.push({ op: 'mapElements', verb: 'add', t, map: m, entries: added });
  return removed.length + added.length > 0;
}
