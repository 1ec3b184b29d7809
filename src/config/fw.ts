/**
 * The `.fw` language of pve-firewall (generic_fw_config_parser): sections [OPTIONS], [ALIASES],
 * [IPSET name], [RULES] and [group name], per-line error tolerance, `#` comment lines.
 */
import type { AliasAst, FwFile, FwKind, GroupAst, IpSetAst, RuleAst } from './ast.js';
import { Diagnostics, type Diagnostic, type Span } from './diagnostics.js';
import { Code } from './codes.js';
import { MAX_ALIAS_NAME, MAX_GROUP_NAME, MAX_IPSET_NAME, NAME_PATTERN, parseCidr, parseIpsetValue } from './address.js';
import { splitLines, type Line } from './lines.js';
import { parseOptionLine } from './option-values.js';
import { parseRule } from './rule.js';

type Section = 'options' | 'aliases' | 'rules' | 'ipset' | 'group';

const ALLOWED: Record<FwKind, readonly Section[]> = {
  cluster: ['options', 'aliases', 'rules', 'ipset', 'group'],
  host: ['options', 'rules'],
  guest: ['options', 'aliases', 'rules', 'ipset'],
};

interface State {
  ast: FwFile;
  diags: Diagnostics;
  section?: Section;
  ipset?: IpSetAst;
  ipsetKeys: Set<string>;
  group?: GroupAst;
  aliasNames: Set<string>;
}

export function parseFw(text: string, file: string, kind: FwKind, vmid?: number): { ast: FwFile; diagnostics: Diagnostic[] } {
  const diags = new Diagnostics();
  const base = { file, aliases: [], ipsets: [], rules: [], groups: [], optionSpans: {} };
  const ast: FwFile =
    kind === 'cluster' ? { ...base, kind, options: {} } : kind === 'host' ? { ...base, kind, options: {} } : { ...base, kind, vmid: vmid ?? 0, options: {} };
  const st: State = { ast, diags, ipsetKeys: new Set(), aliasNames: new Set() };
  for (const line of splitLines(text, file, diags)) {
    if (line.text.startsWith('#')) continue;
    if (line.text.startsWith('[') && header(st, line, kind)) continue;
    body(st, line, kind);
  }
  return { ast, diagnostics: diags.items };
}

function span(st: State, line: Line, col = line.col): Span {
  return { file: st.ast.file, line: line.no, col };
}

function named(text: string): { name: string; comment?: string } | undefined {
  const m = /^\[(?:group|ipset)\s+(\S+)\]\s*(?:#\s*(.*?)\s*)?$/i.exec(text);
  if (!m) return undefined;
  return m[2] ? { name: m[1] ?? '', comment: m[2] } : { name: m[1] ?? '' };
}

/** Handles a `[...]` line; false when it is no section header (then it is section content). */
function header(st: State, line: Line, kind: FwKind): boolean {
  const t = line.text;
  let section: Section | undefined;
  if (/^\[options\]$/i.test(t)) section = 'options';
  else if (/^\[aliases\]$/i.test(t)) section = 'aliases';
  else if (/^\[rules\]$/i.test(t)) section = 'rules';
  else if (/^\[ipset\s/i.test(t)) section = 'ipset';
  else if (/^\[group\s/i.test(t)) section = 'group';
  if (!section) {
    if (!/^\[[^\]]*\]\s*(#.*)?$/.test(t)) return false;
    st.diags.error(span(st, line), Code.SectionUnknown, `unknown section '${t}'`, 'the lines below still belong to the previous section');
    return true;
  }
  if (!ALLOWED[kind].includes(section)) {
    st.diags.error(span(st, line), Code.SectionNotAllowed, `section '${t}' is not allowed in a ${kind} file`, 'the lines below still belong to the previous section');
    return true;
  }
  if (section !== 'ipset' && section !== 'group') {
    st.section = section;
    return true;
  }
  const h = named(t);
  const max = section === 'ipset' ? MAX_IPSET_NAME : MAX_GROUP_NAME;
  const nameCol = line.col + t.search(/\s\S/) + 1;
  if (!h || !NAME_PATTERN.test(h.name) || h.name.length > max) {
    const what = section === 'ipset' ? 'IP set' : 'security group';
    st.diags.error(span(st, line, h ? nameCol : line.col), Code.NameInvalid, `invalid ${what} name in '${t}'`, `[A-Za-z][A-Za-z0-9_-]+, at most ${max} characters`);
    st.section = undefined;
    st.ipset = st.group = undefined;
    return true;
  }
  const name = h.name.toLowerCase();
  st.section = section;
  if (section === 'ipset') {
    const set: IpSetAst = { span: span(st, line), name, entries: [] };
    if (h.comment) set.comment = h.comment;
    replaceNamed(st, st.ast.ipsets, set, line, 'IP set');
    st.ipset = set;
    st.ipsetKeys = new Set();
  } else {
    const g: GroupAst = { span: span(st, line), name, rules: [] };
    if (h.comment) g.comment = h.comment;
    replaceNamed(st, st.ast.groups, g, line, 'security group');
    st.group = g;
  }
  return true;
}

/** A second definition replaces the first, as in pve-firewall. */
function replaceNamed<T extends { name: string }>(st: State, list: T[], item: T, line: Line, what: string): void {
  const i = list.findIndex((x) => x.name === item.name);
  if (i >= 0) {
    st.diags.warn(span(st, line), Code.SectionDuplicate, `${what} '${item.name}' defined again; the earlier definition is dropped`);
    list.splice(i, 1);
  }
  list.push(item);
}

function body(st: State, line: Line, kind: FwKind): void {
  switch (st.section) {
    case undefined:
      st.diags.error(span(st, line), Code.NoSection, 'line outside of any section is skipped');
      return;
    case 'options':
      return option(st, line, kind);
    case 'aliases':
      return alias(st, line, kind);
    case 'rules': {
      const r: RuleAst | undefined = parseRule(line, st.ast.file, kind, st.diags);
      if (r) st.ast.rules.push(r);
      return;
    }
    case 'group': {
      const r = parseRule(line, st.ast.file, 'group', st.diags);
      if (r && st.group) st.group.rules.push(r);
      return;
    }
    case 'ipset':
      return ipsetEntry(st, line, kind);
  }
}

function option(st: State, line: Line, kind: FwKind): void {
  const r = parseOptionLine(kind, line.text);
  if ('error' in r) {
    const code = r.error === 'unknown' ? Code.OptionUnknown : Code.OptionValue;
    st.diags.error(span(st, line, line.col + (r.valueOffset ?? 0)), code, r.message);
    return;
  }
  const opts = st.ast.options as Record<string, unknown>;
  if (Object.hasOwn(opts, r.key)) st.diags.warn(span(st, line), Code.OptionDuplicate, `option '${r.key}' set again; the last value applies`);
  opts[r.key] = r.value;
  st.ast.optionSpans[r.key] = span(st, line);
}

function splitComment(text: string): { body: string; comment?: string } {
  const i = text.indexOf('#');
  if (i < 0) return { body: text };
  const comment = text.slice(i + 1).trim();
  const body = text.slice(0, i).trimEnd();
  return comment ? { body, comment } : { body };
}

function alias(st: State, line: Line, _kind: FwKind): void {
  const { body, comment } = splitComment(line.text);
  const m = /^(\S+)\s+(\S+)$/.exec(body);
  if (!m) {
    st.diags.error(span(st, line), Code.AliasSyntax, `cannot parse alias '${body}'`, 'NAME IP[/PREFIX] [# comment]');
    return;
  }
  const name = m[1] ?? '';
  const valueCol = line.col + body.length - (m[2] ?? '').length;
  let ok = true;
  if (!NAME_PATTERN.test(name) || name.length > MAX_ALIAS_NAME) {
    st.diags.error(span(st, line), Code.NameInvalid, `invalid alias name '${name}'`, `[A-Za-z][A-Za-z0-9_-]+, at most ${MAX_ALIAS_NAME} characters`);
    ok = false;
  }
  const v = parseCidr(m[2] ?? '');
  if ('error' in v) {
    st.diags.error(span(st, line, valueCol + v.offset), Code.AddrInvalid, v.error);
    ok = false;
  }
  if (!ok || 'error' in v) return;
  const lower = name.toLowerCase();
  if (st.aliasNames.has(lower)) {
    st.diags.error(span(st, line), Code.AliasDuplicate, `alias '${lower}' is already defined`);
    return;
  }
  st.aliasNames.add(lower);
  const a: AliasAst = { span: span(st, line), name: lower, value: v.ok };
  if (comment) a.comment = comment;
  st.ast.aliases.push(a);
}

function ipsetEntry(st: State, line: Line, kind: FwKind): void {
  const set = st.ipset;
  if (!set) return;
  const { body, comment } = splitComment(line.text);
  const m = /^(!)?\s*(\S+)$/.exec(body);
  if (!m) {
    st.diags.error(span(st, line), Code.IpsetEntryInvalid, `cannot parse IP set entry '${body}'`, '[!]IP[/PREFIX] or [!]ALIAS [# comment]');
    return;
  }
  const text = m[2] ?? '';
  const col = line.col + body.length - text.length;
  const v = parseIpsetValue(text, kind === 'guest');
  if ('error' in v) {
    st.diags.error(span(st, line, col + v.offset), v.code === 'scope' ? Code.ScopeInvalid : v.code === 'name' ? Code.NameInvalid : Code.IpsetEntryInvalid, v.error);
    return;
  }
  if (v.ok.kind === 'cidr' && /\/0+$/.test(text)) {
    st.diags.error(span(st, line, col + text.indexOf('/')), Code.IpsetZeroPrefix, 'a zero prefix is not allowed in IP set entries');
    return;
  }
  const key = v.ok.kind === 'alias' ? `alias:${v.ok.scope ?? ''}/${v.ok.name}` : v.ok.kind === 'cidr' ? v.ok.cidr : `${v.ok.from}-${v.ok.to}`;
  if (st.ipsetKeys.has(key)) {
    st.diags.error(span(st, line, col), Code.IpsetDuplicate, `duplicate entry '${text}' in IP set '${set.name}'`);
    return;
  }
  st.ipsetKeys.add(key);
  const entry: IpSetAst['entries'][number] = { span: span(st, line), nomatch: m[1] === '!', value: v.ok };
  if (comment) entry.comment = comment;
  set.entries.push(entry);
}
