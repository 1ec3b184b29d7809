import type { Chain, Elem, NamedCounter, NamedMap, NamedSet, Rule, Table } from '../../compiler/ruleset.js';
import * as json from './json.js';
import type { NftCommand, TableRef } from './json.js';
import * as text from './text.js';
import { checkName } from './validate.js';

/**
 * One step of an nft transaction, independent of the input language: the planner produces these
 * and the transaction renders them as nft text (fast in nft 1.0.6) or libnftables-json (for
 * backends that only read JSON, such as the in-memory fake). Both renderings validate everything.
 */
export type NftOp =
  | { op: 'addTable' | 'deleteTable'; t: TableRef }
  /** Everything inside a table (chains with their rules, sets, maps, counters, helpers). */
  | { op: 'fillTable'; t: Table }
  | { op: 'addChain'; t: TableRef; chain: Chain }
  | { op: 'addRule'; t: TableRef; chain: string; rule: Rule }
  | { op: 'addSet'; t: TableRef; set: NamedSet }
  | { op: 'addMap'; t: TableRef; map: NamedMap }
  | { op: 'addCounter'; t: TableRef; counter: NamedCounter }
  | { op: 'flushChain' | 'deleteChain' | 'deleteSet' | 'deleteMap' | 'deleteCounter'; t: TableRef; name: string }
  | { op: 'setElements'; verb: 'add' | 'delete'; t: TableRef; set: NamedSet; elems: Elem[] }
  | { op: 'mapElements'; verb: 'add' | 'delete'; t: TableRef; map: NamedMap; entries: NamedMap['entries'] };

/** How many JSON commands an op stands for (`fillTable` is one per object and rule). */
export function opCount(o: NftOp): number {
  if (o.op !== 'fillTable') return 1;
  const t = o.t;
  let n = t.sets.length + t.maps.length + t.counters.length + (t.ctHelpers?.length ?? 0) + t.chains.length;
  for (const c of t.chains) n += c.rules.length;
  return n;
}

export function opsJson(ops: NftOp[]): NftCommand[] {
  const out: NftCommand[] = [];
  for (const o of ops) {
    if (o.op === 'fillTable') for (const c of json.tableContents(o.t)) out.push(c);
    else out.push(opJson(o));
  }
  return out;
}

function opJson(o: Exclude<NftOp, { op: 'fillTable' }>): NftCommand {
  switch (o.op) {
    case 'addTable':
      return json.addTable(o.t);
    case 'deleteTable':
      return json.deleteTable(o.t);
    case 'addChain':
      return json.addChain(o.t, o.chain);
    case 'addRule':
      return json.addRule(o.t, o.chain, o.rule);
    case 'addSet':
      return json.addSet(o.t, o.set);
    case 'addMap':
      return json.addMap(o.t, o.map);
    case 'addCounter':
      return json.addCounter(o.t, o.counter);
    case 'flushChain':
      return json.flushChain(o.t, o.name);
    case 'deleteChain':
      return json.deleteChain(o.t, o.name);
    case 'deleteSet':
      return json.deleteSet(o.t, o.name);
    case 'deleteMap':
      return json.deleteMap(o.t, o.name);
    case 'deleteCounter':
      return json.deleteCounter(o.t, o.name);
    case 'setElements':
      return json.setElements(o.verb, o.t, o.set, o.elems);
    case 'mapElements':
      return json.mapElements(o.verb, o.t, o.map, o.entries);
  }
}

/** The ops as one `nft -f` script (one transaction). Lines are joined, never concatenated as arguments. */
export function opsText(ops: NftOp[]): string {
  const lines: string[] = [];
  for (const o of ops) lines.push(opText(o));
  return `${lines.join('\n')}\n`;
}

const braces = (head: string, lines: string[]): string => (lines.length ? `${head} {\n${lines.map((l) => `\t${l}\n`).join('')}}` : head);

function opText(o: NftOp): string {
  const { tableSpec } = text;
  switch (o.op) {
    case 'addTable':
      return `add table ${tableSpec(o.t)}`;
    case 'deleteTable':
      return `delete table ${tableSpec(o.t)}`;
    case 'fillTable':
      return text.tableText(o.t, { hoist: true });
    case 'addChain':
      return braces(`add chain ${tableSpec(o.t)} ${checkName(o.chain.name)}`, text.chainHeadLines(o.chain));
    case 'addRule':
      return `add rule ${tableSpec(o.t)} ${checkName(o.chain)} ${text.ruleText(o.rule)}`;
    case 'addSet':
      return braces(`add set ${tableSpec(o.t)} ${checkName(o.set.name)}`, text.setLines(o.set));
    case 'addMap':
      return braces(`add map ${tableSpec(o.t)} ${checkName(o.map.name)}`, text.mapLines(o.map));
    case 'addCounter':
      return braces(`add counter ${tableSpec(o.t)} ${checkName(o.counter.name)}`, text.counterLines(o.counter));
    case 'flushChain':
      return `flush chain ${tableSpec(o.t)} ${checkName(o.name)}`;
    case 'deleteChain':
      return `delete chain ${tableSpec(o.t)} ${checkName(o.name)}`;
    case 'deleteSet':
      return `delete set ${tableSpec(o.t)} ${checkName(o.name)}`;
    case 'deleteMap':
      return `delete map ${tableSpec(o.t)} ${checkName(o.name)}`;
    case 'deleteCounter':
      return `delete counter ${tableSpec(o.t)} ${checkName(o.name)}`;
    case 'setElements':
      return `${o.verb} element ${tableSpec(o.t)} ${checkName(o.set.name)} { ${text.setElemsText(o.set, o.elems).join(', ')} }`;
    case 'mapElements':
      return `${o.verb} element ${tableSpec(o.t)} ${checkName(o.map.name)} { ${text.mapElemsText(o.map, o.entries, o.verb === 'delete').join(', ')} }`;
  }
}
