import type { Chain, CtHelper, Elem, NamedCounter, NamedMap, NamedSet, Rule, Ruleset, Table, Verdict } from '../../compiler/ruleset.js';
import { RenderError } from './errors.js';
import { elemJson, statementJson, verdictJson } from './expr-json.js';
import { checkElem, kindOfSetType } from './values.js';
import { checkIfname, checkName, checkNumber, checkSymbol, sanitizeComment } from './validate.js';

/** One libnftables-json command, e.g. `{ add: { chain: {...} } }`. */
export type NftCommand = Record<string, Record<string, Record<string, unknown>>>;

export interface NftJson {
  nftables: unknown[];
}

export interface TableRef {
  family: Table['family'];
  name: string;
}

const METAINFO = { metainfo: { json_schema_version: 1 } };

export function toDocument(commands: NftCommand[]): NftJson {
  const nftables: unknown[] = [METAINFO];
  for (const c of commands) nftables.push(c); // no spread: commands can number hundreds of thousands
  return { nftables };
}

/** A full replacement of fwctl's tables: create-if-missing, delete, then add everything. */
export function renderJson(ruleset: Ruleset): NftJson {
  return toDocument(fullReplaceCommands(ruleset));
}

export function fullReplaceCommands(ruleset: Ruleset, staleTables: TableRef[] = []): NftCommand[] {
  const cmds: NftCommand[] = [];
  const seen = new Set<string>();
  for (const t of ruleset.tables) {
    const key = `${t.family} ${checkName(t.name)}`;
    if (seen.has(key)) throw new RenderError('E_NFT_NAME', t.name, `duplicate table ${key}`);
    seen.add(key);
    cmds.push(addTable(t), deleteTable(t), addTable(t));
    pushTableContents(cmds, t);
  }
  for (const t of staleTables) {
    if (seen.has(`${t.family} ${t.name}`)) continue;
    cmds.push(addTable(t), deleteTable(t));
  }
  return cmds;
}

/** Everything inside a table, in an order the kernel accepts: chains before maps that jump to them. */
export function tableContents(t: Table): NftCommand[] {
  return pushTableContents([], t);
}

/** Appends one by one: a spread of ~10^5 items as call arguments overflows the stack. */
function pushTableContents(out: NftCommand[], t: Table): NftCommand[] {
  for (const c of t.chains) out.push(addChain(t, c));
  for (const s of t.sets) out.push(addSet(t, s));
  for (const c of t.counters) out.push(addCounter(t, c));
  for (const h of t.ctHelpers ?? []) out.push(addCtHelper(t, h));
  for (const m of t.maps) out.push(addMap(t, m));
  for (const c of t.chains) for (const r of c.rules) out.push(addRule(t, c.name, r));
  return out;
}

const obj = (family: string, table: string): Record<string, unknown> => ({ family, table: checkName(table) });

export const addTable = (t: TableRef): NftCommand => ({ add: { table: { family: t.family, name: checkName(t.name) } } });
export const deleteTable = (t: TableRef): NftCommand => ({ delete: { table: { family: t.family, name: checkName(t.name) } } });

export function addChain(t: TableRef, c: Chain): NftCommand {
  const chain: Record<string, unknown> = { ...obj(t.family, t.name), name: checkName(c.name) };
  if (c.base) {
    chain.type = c.base.type;
    chain.hook = c.base.hook;
    chain.prio = c.base.priority;
    chain.policy = c.base.policy;
    if (c.base.device !== undefined) chain.dev = checkIfname(c.base.device);
  }
  if (c.comment) chain.comment = sanitizeComment(c.comment);
  return { add: { chain } };
}

export const flushChain = (t: TableRef, name: string): NftCommand => ({ flush: { chain: { ...obj(t.family, t.name), name: checkName(name) } } });
export const deleteChain = (t: TableRef, name: string): NftCommand => ({ delete: { chain: { ...obj(t.family, t.name), name: checkName(name) } } });

export function addRule(t: TableRef, chain: string, r: Rule): NftCommand {
  const rule: Record<string, unknown> = { ...obj(t.family, t.name), chain: checkName(chain), expr: r.expr.map(statementJson) };
  if (r.comment) rule.comment = sanitizeComment(r.comment);
  return { add: { rule } };
}

export function setElems(s: Pick<NamedSet, 'type'>, elems: Elem[]): unknown[] {
  const kind = kindOfSetType(s.type);
  return elems.map((e) => {
    checkElem(e, kind);
    return elemJson(e);
  });
}

export function addSet(t: TableRef, s: NamedSet): NftCommand {
  const set: Record<string, unknown> = { ...obj(t.family, t.name), name: checkName(s.name), type: s.type };
  // nft 1.0.6 JSON has no "dynamic" flag; nft marks a set dynamic itself when a rule updates it
  const flags = s.flags.filter((f) => f !== 'dynamic');
  if (flags.length) set.flags = flags;
  if (s.timeout !== undefined) set.timeout = checkNumber(s.timeout);
  if (s.size !== undefined) set.size = checkNumber(s.size);
  if (s.elements.length) set.elem = setElems(s, s.elements);
  if (s.comment) set.comment = sanitizeComment(s.comment);
  return { add: { set } };
}

export const flushSet = (t: TableRef, name: string): NftCommand => ({ flush: { set: { ...obj(t.family, t.name), name: checkName(name) } } });
export const deleteSet = (t: TableRef, name: string): NftCommand => ({ delete: { set: { ...obj(t.family, t.name), name: checkName(name) } } });
export const deleteMap = (t: TableRef, name: string): NftCommand => ({ delete: { map: { ...obj(t.family, t.name), name: checkName(name) } } });

/** `add element` / `delete element` on a set. */
export function setElements(op: 'add' | 'delete', t: TableRef, s: Pick<NamedSet, 'name' | 'type'>, elems: Elem[]): NftCommand {
  return { [op]: { element: { ...obj(t.family, t.name), name: checkName(s.name), elem: setElems(s, elems) } } };
}

function mapValueJson(m: NamedMap, v: Verdict | number): unknown {
  if (m.kind === 'vmap') {
    if (typeof v === 'number') throw new RenderError('E_NFT_VALUE', String(v), `vmap ${m.name}: value must be a verdict`);
    return verdictJson(v);
  }
  if (typeof v !== 'number') throw new RenderError('E_NFT_VALUE', m.name, `map ${m.name}: value must be a number`);
  return checkNumber(v);
}

export function mapElems(m: NamedMap, entries: NamedMap['entries']): unknown[] {
  const kind = kindOfSetType(m.type);
  return entries.map(({ key, value }) => {
    checkElem(key, kind);
    return [elemJson(key), mapValueJson(m, value)];
  });
}

export function addMap(t: TableRef, m: NamedMap): NftCommand {
  const map: Record<string, unknown> = {
    ...obj(t.family, t.name),
    name: checkName(m.name),
    type: m.type,
    map: m.kind === 'vmap' ? 'verdict' : (m.dataType ?? 'mark'),
  };
  if (m.flags.length) map.flags = [...m.flags];
  if (m.entries.length) map.elem = mapElems(m, m.entries);
  if (m.comment) map.comment = sanitizeComment(m.comment);
  return { add: { map } };
}

export function mapElements(op: 'add' | 'delete', t: TableRef, m: NamedMap, entries: NamedMap['entries']): NftCommand {
  const elem = op === 'add' ? mapElems(m, entries) : entries.map((e) => (checkElem(e.key, kindOfSetType(m.type)), elemJson(e.key)));
  return { [op]: { element: { ...obj(t.family, t.name), name: checkName(m.name), elem } } };
}

export function addCounter(t: TableRef, c: NamedCounter): NftCommand {
  const counter: Record<string, unknown> = { ...obj(t.family, t.name), name: checkName(c.name) };
  if (c.comment) counter.comment = sanitizeComment(c.comment);
  return { add: { counter } };
}
export const deleteCounter = (t: TableRef, name: string): NftCommand => ({ delete: { counter: { ...obj(t.family, t.name), name: checkName(name) } } });

export function addCtHelper(t: TableRef, h: CtHelper): NftCommand {
  const helper = { ...obj(t.family, t.name), name: checkName(h.name), type: checkSymbol(h.type), protocol: h.protocol, l3proto: 'inet' };
  return { add: { 'ct helper': helper } };
}
