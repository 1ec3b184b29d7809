import type { Chain, NamedMap, NamedSet, Ruleset, Table } from '../../compiler/ruleset.js';
import { elemText, quote, statementText, verdictText } from './expr-text.js';
import { checkElem, kindOfSetType } from './values.js';
import { checkIfname, checkName, checkNumber, checkSymbol } from './validate.js';

/**
 * Deterministic, readable nft text (for humans and golden files). Applying goes through JSON;
 * this text is nonetheless valid `nft -f` input (comments sanitised, names allow-listed).
 */
export function renderText(ruleset: Ruleset): string {
  return ruleset.tables.map(tableText).join('\n');
}

function tableText(t: Table): string {
  const parts: string[] = [];
  for (const c of t.counters) parts.push(block(`counter ${checkName(c.name)}`, c.comment ? [`comment ${quote(c.comment)}`] : []));
  for (const h of t.ctHelpers ?? []) {
    parts.push(block(`ct helper ${checkName(h.name)}`, [`type ${quote(checkSymbol(h.type))} protocol ${h.protocol}`, 'l3proto inet']));
  }
  for (const s of t.sets) parts.push(setText(s));
  for (const m of t.maps) parts.push(mapText(m));
  for (const c of t.chains) parts.push(chainText(c));
  return `table ${t.family} ${checkName(t.name)} {\n${parts.join('\n')}}\n`;
}

function block(head: string, lines: string[]): string {
  return `\t${head} {\n${lines.map((l) => `\t\t${l}\n`).join('')}\t}\n`;
}

function elements(items: string[]): string {
  return `elements = { ${items.join(',\n\t\t\t     ')} }`;
}

function setText(s: NamedSet): string {
  const kind = kindOfSetType(s.type);
  const lines = [`type ${s.type}`];
  if (s.flags.length) lines.push(`flags ${s.flags.join(',')}`);
  if (s.timeout !== undefined) lines.push(`timeout ${checkNumber(s.timeout)}s`);
  if (s.size !== undefined) lines.push(`size ${checkNumber(s.size)}`);
  if (s.comment) lines.push(`comment ${quote(s.comment)}`);
  if (s.elements.length) {
    lines.push(
      elements(
        s.elements.map((e) => {
          checkElem(e, kind);
          return elemText(e, kind);
        }),
      ),
    );
  }
  return block(`set ${checkName(s.name)}`, lines);
}

function mapText(m: NamedMap): string {
  const kind = kindOfSetType(m.type);
  const lines = [`type ${m.type} : ${m.kind === 'vmap' ? 'verdict' : (m.dataType ?? 'mark')}`];
  if (m.flags.length) lines.push(`flags ${m.flags.join(',')}`);
  if (m.comment) lines.push(`comment ${quote(m.comment)}`);
  if (m.entries.length) {
    lines.push(
      elements(
        m.entries.map(({ key, value }) => {
          checkElem(key, kind);
          const v = typeof value === 'number' ? `0x${value.toString(16).padStart(8, '0')}` : verdictText(value);
          return `${elemText(key, kind)} : ${v}`;
        }),
      ),
    );
  }
  return block(`map ${checkName(m.name)}`, lines);
}

function chainText(c: Chain): string {
  const lines: string[] = [];
  if (c.comment) lines.push(`comment ${quote(c.comment)}`);
  if (c.base) {
    const dev = c.base.device !== undefined ? ` device ${quote(checkIfname(c.base.device))}` : '';
    lines.push(`type ${c.base.type} hook ${c.base.hook}${dev} priority ${c.base.priority}; policy ${c.base.policy};`);
  }
  for (const r of c.rules) {
    const body = r.expr.map(statementText).join(' ');
    lines.push(r.comment ? `${body} comment ${quote(r.comment)}` : body);
  }
  return block(`chain ${checkName(c.name)}`, lines);
}
