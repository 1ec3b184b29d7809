import type { Chain, NamedCounter, NamedMap, NamedSet, Rule, Ruleset, Table } from '../../compiler/ruleset.js';
import { elemText, quote, statementText, verdictText } from './expr-text.js';
import { RenderError } from './errors.js';
import { hoistAnonymousSets } from './hoist.js';
import { checkElem, kindOfSetType } from './values.js';
import {
  CHAIN_TYPES,
  FAMILIES,
  HOOKS,
  POLICIES,
  SET_FLAGS,
  SET_TYPES,
  checkIfname,
  checkName,
  checkNumber,
  checkOneOf,
  checkPriority,
  checkSymbol,
} from './validate.js';

/**
 * Deterministic, readable nft text: golden files, and the input of full replacements and chain
 * refills (nft 1.0.6 reads text far faster than JSON). Every name goes through the allow-list,
 * every value through values.ts, every enumerated word through checkOneOf, every comment
 * through sanitizeComment — nothing from a Ruleset reaches nft text unchecked.
 */
export function renderText(ruleset: Ruleset): string {
  return ruleset.tables.map((t) => tableText(t)).join('\n');
}

/** `<family> <table>`, validated: the prefix of every command line. */
export const tableSpec = (t: { family: Table['family']; name: string }): string => `${checkOneOf(t.family, FAMILIES, 'family')} ${checkName(t.name)}`;

/**
 * A whole table as one `table … { … }` block (nft orders declarations before references).
 * `hoist`: identical anonymous sets become one named constant set (see hoist.ts).
 */
export function tableText(t: Table, opts: { hoist?: boolean } = {}): string {
  const parts: string[] = [];
  let chains = t.chains;
  if (opts.hoist) {
    const h = hoistAnonymousSets(t);
    chains = h.chains;
    for (const s of h.sets) parts.push(block(`set ${checkName(s.name)}`, s.lines));
  }
  for (const c of t.counters) parts.push(block(`counter ${checkName(c.name)}`, counterLines(c)));
  for (const h of t.ctHelpers ?? []) parts.push(block(`ct helper ${checkName(h.name)}`, ctHelperLines(h)));
  for (const s of t.sets) parts.push(block(`set ${checkName(s.name)}`, setLines(s)));
  for (const m of t.maps) parts.push(block(`map ${checkName(m.name)}`, mapLines(m)));
  for (const c of chains) parts.push(block(`chain ${checkName(c.name)}`, [...chainHeadLines(c), ...c.rules.map(ruleText)]));
  return `table ${tableSpec(t)} {\n${parts.join('\n')}}\n`;
}

export function block(head: string, lines: string[]): string {
  return `\t${head} {\n${lines.map((l) => `\t\t${l}\n`).join('')}\t}\n`;
}

export const counterLines = (c: NamedCounter): string[] => (c.comment ? [`comment ${quote(c.comment)}`] : []);

const ctHelperLines = (h: NonNullable<Table['ctHelpers']>[number]): string[] => [
  `type ${quote(checkSymbol(h.type))} protocol ${checkOneOf(h.protocol, ['tcp', 'udp'], 'ct helper protocol')}`,
  'l3proto inet',
];

function elements(items: string[]): string {
  return `elements = { ${items.join(',\n\t\t\t     ')} }`;
}

/** Set elements as nft text, each validated against the set's type. */
export function setElemsText(s: Pick<NamedSet, 'type'>, elems: NamedSet['elements']): string[] {
  const kind = kindOfSetType(checkOneOf(s.type, SET_TYPES, 'set type'));
  return elems.map((e) => {
    checkElem(e, kind);
    return elemText(e, kind);
  });
}

/** Map entries (`key : value`) as nft text; `keysOnly` for `delete element`. */
export function mapElemsText(m: NamedMap, entries: NamedMap['entries'], keysOnly = false): string[] {
  const kind = kindOfSetType(checkOneOf(m.type, SET_TYPES, 'map type'));
  return entries.map(({ key, value }) => {
    checkElem(key, kind);
    if (keysOnly) return elemText(key, kind);
    if (m.kind === 'vmap' && typeof value === 'number') throw new RenderError('E_NFT_VALUE', String(value), `vmap ${m.name}: value must be a verdict`);
    const v = typeof value === 'number' ? `0x${checkNumber(value).toString(16).padStart(8, '0')}` : verdictText(value);
    return `${elemText(key, kind)} : ${v}`;
  });
}

export function setLines(s: NamedSet): string[] {
  const lines = [`type ${checkOneOf(s.type, SET_TYPES, 'set type')}`];
  if (s.flags.length) lines.push(`flags ${s.flags.map((f) => checkOneOf(f, SET_FLAGS, 'set flag')).join(',')}`);
  if (s.timeout !== undefined) lines.push(`timeout ${checkNumber(s.timeout)}s`);
  if (s.size !== undefined) lines.push(`size ${checkNumber(s.size)}`);
  if (s.comment) lines.push(`comment ${quote(s.comment)}`);
  if (s.elements.length) lines.push(elements(setElemsText(s, s.elements)));
  return lines;
}

export function mapLines(m: NamedMap): string[] {
  const data = m.kind === 'vmap' ? 'verdict' : checkOneOf(m.dataType ?? 'mark', ['mark'], 'map data type');
  const lines = [`type ${checkOneOf(m.type, SET_TYPES, 'map type')} : ${data}`];
  if (m.flags.length) lines.push(`flags ${m.flags.map((f) => checkOneOf(f, ['interval', 'constant'], 'map flag')).join(',')}`);
  if (m.comment) lines.push(`comment ${quote(m.comment)}`);
  if (m.entries.length) lines.push(elements(mapElemsText(m, m.entries)));
  return lines;
}

/** A chain's comment and base-chain line (without its rules). */
export function chainHeadLines(c: Chain): string[] {
  const lines: string[] = [];
  if (c.comment) lines.push(`comment ${quote(c.comment)}`);
  if (c.base) {
    const b = c.base;
    const dev = b.device !== undefined ? ` device ${quote(checkIfname(b.device))}` : '';
    const type = checkOneOf(b.type, CHAIN_TYPES, 'chain type');
    const hook = checkOneOf(b.hook, HOOKS, 'hook');
    lines.push(`type ${type} hook ${hook}${dev} priority ${checkPriority(b.priority)}; policy ${checkOneOf(b.policy, POLICIES, 'policy')};`);
  }
  return lines;
}

/** One rule's statements and comment, as in `add rule <table> <chain> …`. */
export function ruleText(r: Rule): string {
  const body = r.expr.map(statementText).join(' ');
  return r.comment ? `${body} comment ${quote(r.comment)}` : body;
}
