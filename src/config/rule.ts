/**
 * One firewall rule line (pve-firewall parse_fw_rule + verify_rule):
 *   [|]TYPE ACTION [-opt value]... [# comment]
 * Every problem of the line is reported; a line with any error yields no rule.
 */
import type { IcmpTypeSpec, IpFamily, LogLevel, Proto, RuleAst, RuleType, Verdict } from './ast.js';
import type { Diagnostics, Span } from './diagnostics.js';
import { Code } from './codes.js';
import { MAX_GROUP_NAME, NAME_PATTERN, parseAddrSpec } from './address.js';
import { lookupIcmpType } from './icmp.js';
import { isBlank } from './chars.js';
import type { Line } from './lines.js';
import { lookupMacro, type Macro, type MacroEntry } from './macros.js';
import { parsePorts } from './ports.js';
import { icmpFamilyOf, lookupProtocol, protocolHasPorts, protocolNumber } from './protocols.js';

/** Where the rule sits: a file's [RULES] (by file kind) or a cluster [group x]. */
export type RuleEnv = 'cluster' | 'host' | 'guest' | 'group';

export const LOG_LEVELS: readonly LogLevel[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'nolog'];

const TYPES_BY_ENV: Record<RuleEnv, readonly RuleType[]> = {
  cluster: ['in', 'out', 'forward', 'group'],
  host: ['in', 'out', 'forward', 'group'],
  guest: ['in', 'out', 'group'],
  group: ['in', 'out', 'forward'],
};

const OPTION_NAMES: ReadonlyMap<string, OptKey> = new Map([
  ['i', 'iface'],
  ['iface', 'iface'],
  ['p', 'proto'],
  ['proto', 'proto'],
  ['dport', 'dport'],
  ['sport', 'sport'],
  ['source', 'source'],
  ['dest', 'dest'],
  ['log', 'log'],
  ['icmp-type', 'icmpType'],
]);

const OPTION_WORDS: readonly string[] = [...OPTION_NAMES.keys()];

const RULE_TYPES: readonly RuleType[] = ['in', 'out', 'forward', 'group'];

type OptKey = 'iface' | 'proto' | 'dport' | 'sport' | 'source' | 'dest' | 'log' | 'icmpType';

const OPT_INDEX: Record<OptKey, number> = { iface: 0, proto: 1, dport: 2, sport: 3, source: 4, dest: 5, log: 6, icmpType: 7 };
const [IFACE, PROTO, DPORT, SPORT, , , LOG, ICMP_TYPE] = [0, 1, 2, 3, 4, 5, 6, 7] as const;

const VERDICTS: readonly Verdict[] = ['ACCEPT', 'DROP', 'REJECT'];
const MACRO_SUFFIXES = VERDICTS.map((v) => `(${v})`);

const ADDR_OPTS = ['source', 'dest'] as const;

const HOST_IFACE = /^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i;
const GUEST_IFACE = /^net\d+$/;

/**
 * Scratch state of the rule being parsed (parseRule does not re-enter): where the `\S+` words of
 * the line start and end, the token index of each option (-1 when absent), the error count.
 */
let tokSrc = '';
let tokCol0 = 0;
const tokStart: number[] = [];
const tokEnd: number[] = [];
let tokCount = 0;
const optAt = new Int32Array(8);
let curFile = '';
let curLine = 0;
let curDiags: Diagnostics | undefined;
let errors = 0;

/** Fills the token scratch with the `\S+` words of the text. */
function tokenize(text: string, col0: number): void {
  let n = 0;
  let start = -1;
  const len = text.length;
  for (let i = 0; i <= len; i++) {
    const c = i < len ? text.charCodeAt(i) : 0x20;
    if (c > 0x20 && c < 0xa0 ? false : isBlank(c)) {
      if (start >= 0) {
        tokStart[n] = start;
        tokEnd[n] = i;
        n++;
      }
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  tokSrc = text;
  tokCol0 = col0;
  tokCount = n;
}

const tokText = (i: number): string => tokSrc.slice(tokStart[i], tokEnd[i]);
const tokCol = (i: number): number => tokCol0 + (tokStart[i] as number);
const tokIs = (i: number, word: string): boolean => (tokEnd[i] as number) - (tokStart[i] as number) === word.length && tokSrc.startsWith(word, tokStart[i]);

/** Index in VERDICTS of token i, or -1. */
function tokVerdict(i: number): number {
  for (let v = 0; v < VERDICTS.length; v++) if (tokIs(i, VERDICTS[v] as string)) return v;
  return -1;
}

/** The rule type of token i, compared without case (no letter outside ASCII lower-cases into these words). */
function tokType(i: number): RuleType | undefined {
  const start = tokStart[i] as number;
  const len = (tokEnd[i] as number) - start;
  for (let k = 0; k < RULE_TYPES.length; k++) {
    const t = RULE_TYPES[k] as RuleType;
    if (t.length !== len) continue;
    let j = 0;
    while (j < len && (tokSrc.charCodeAt(start + j) | 0x20) === t.charCodeAt(j)) j++;
    if (j === len) return t;
  }
  return undefined;
}

/** The option key of token i: `-name` or `--name` with a known name. */
function tokOption(i: number): OptKey | undefined {
  let from = tokStart[i] as number;
  const end = tokEnd[i] as number;
  if (tokSrc.charCodeAt(from) !== 0x2d /* - */) return undefined;
  from++;
  if (tokSrc.charCodeAt(from) === 0x2d) from++;
  for (let k = 0; k < OPTION_WORDS.length; k++) {
    const name = OPTION_WORDS[k] as string;
    if (end - from === name.length && tokSrc.startsWith(name, from)) return OPTION_NAMES.get(name);
  }
  return undefined;
}

const has = (k: number): boolean => optAt[k] !== -1;
const optCol = (k: number): number => tokCol(optAt[k] as number);
const valText = (k: number): string => tokText((optAt[k] as number) + 1);
const valCol = (k: number): number => tokCol((optAt[k] as number) + 1);

// The rule's family comes from its first family-bound part; a later part of the other family clashes.
let family: IpFamily | undefined;
let clashCol: number | undefined;
function addFamily(f: IpFamily, col: number): void {
  if (family === undefined) family = f;
  else if (f !== family && clashCol === undefined) clashCol = col;
}

const at = (col: number): Span => ({ file: curFile, line: curLine, col });

function err(col: number, code: string, msg: string, hint?: string): void {
  errors++;
  curDiags?.error(at(col), code, msg, hint);
}

/** The canonical protocol of a `-p` value, one shared object per spelling. */
const protoCache = new Map<string, Proto>();

function protoOf(text: string): Proto | undefined {
  let p = protoCache.get(text);
  if (p === undefined) {
    const info = lookupProtocol(text);
    if (!info) return undefined;
    p = { name: info.name, num: info.num };
    protoCache.set(text, p);
  }
  return p;
}

export function parseRule(line: Line, file: string, env: RuleEnv, diags: Diagnostics): RuleAst | undefined {
  curFile = file;
  curLine = line.no;
  curDiags = diags;
  errors = 0;

  let body = line.text;
  let comment: string | undefined;
  const hash = body.indexOf('#');
  if (hash >= 0) {
    comment = body.slice(hash + 1).trim();
    body = body.slice(0, hash);
  }
  let enabled = true;
  let bodyCol = line.col;
  if (body.charCodeAt(0) === 0x7c /* | */) {
    enabled = false;
    body = body.slice(1);
    bodyCol++;
  }
  tokenize(body, bodyCol);
  const n = tokCount;
  if (n < 2) {
    err(n === 1 ? tokCol(0) : line.col, Code.RuleSyntax, 'unable to parse rule: expected TYPE ACTION [OPTIONS]');
    return undefined;
  }
  const typeCol = tokCol(0);
  const actionCol = tokCol(1);

  const type = tokType(0);
  if (type === undefined) {
    err(typeCol, Code.RuleType, `unknown rule type '${tokText(0)}'`, 'IN, OUT, FORWARD or GROUP');
    return undefined;
  }
  if (!TYPES_BY_ENV[env].includes(type)) {
    const where = env === 'group' ? 'inside a security group' : `in a ${env} file`;
    err(typeCol, Code.RuleTypeNotAllowed, `${type.toUpperCase()} rules are not allowed ${where}`);
  }

  const rule: RuleAst = { span: at(line.col), enabled, type, spans: { action: at(actionCol) } };
  let macro: Macro | undefined;
  const verdict = type === 'group' ? -1 : tokVerdict(1);
  if (type === 'group') {
    const actionText = tokText(1);
    if (!NAME_PATTERN.test(actionText) || actionText.length > MAX_GROUP_NAME) {
      err(actionCol, Code.NameInvalid, `invalid security group name '${actionText}'`, `[A-Za-z][A-Za-z0-9_-]+, at most ${MAX_GROUP_NAME} characters`);
    }
    rule.group = actionText.toLowerCase();
  } else if (verdict >= 0) {
    rule.action = VERDICTS[verdict] as Verdict;
  } else {
    const actionText = tokText(1);
    const v = macroVerdict(actionText);
    if (v >= 0) {
      const name = actionText.slice(0, actionText.length - (MACRO_SUFFIXES[v] as string).length);
      macro = lookupMacro(name);
      if (!macro) err(actionCol, Code.MacroUnknown, `unknown macro '${name}'`);
      else rule.macro = macro.name;
      rule.action = VERDICTS[v] as Verdict;
    } else {
      err(actionCol, Code.RuleAction, `unknown action '${actionText}'`, 'ACCEPT, DROP, REJECT or Macro(ACTION)');
    }
  }

  // Collect options (token index of each option word); values are checked below, once the protocol is known.
  const opts = optAt;
  opts.fill(-1);
  for (let i = 2; i < n; i += 2) {
    const optCol = tokCol(i);
    const key = tokOption(i);
    if (!key) {
      err(optCol, Code.RuleOptionUnknown, `unable to parse rule parameters at '${tokText(i)}'`, '-i, -p, -dport, -sport, -source, -dest, -log, -icmp-type');
      return undefined;
    }
    if (i + 1 >= n) {
      err(optCol, Code.RuleOptionValueMissing, `option '${tokText(i)}' needs a value`);
      return undefined;
    }
    if (type === 'group' && key !== 'iface') {
      err(optCol, Code.GroupRuleOption, `GROUP rules take only -i, not '${tokText(i)}'`);
      continue;
    }
    const k = OPT_INDEX[key];
    if (opts[k] !== -1) diags.warn(at(optCol), Code.RuleOptionDuplicate, `option '${tokText(i)}' given twice; the last one applies`);
    opts[k] = i;
    rule.spans[key] = at(optCol);
  }

  if (has(IFACE)) {
    const v = valText(IFACE);
    if (env === 'group') err(optCol(IFACE), Code.IfaceNotAllowed, 'parameter -i is not allowed for rules inside a security group');
    else if (env === 'guest' && !GUEST_IFACE.test(v)) err(valCol(IFACE), Code.IfaceInvalid, `interface '${v}' must be a guest NIC key (netN)`);
    else if (env !== 'guest' && !HOST_IFACE.test(v)) err(valCol(IFACE), Code.IfaceInvalid, `invalid network interface name '${v}'`);
    else rule.iface = v;
  }

  let proto: Proto | undefined;
  if (has(PROTO)) {
    const info = protoOf(valText(PROTO));
    if (!info) err(valCol(PROTO), Code.ProtoUnknown, `unknown protocol '${valText(PROTO)}'`, 'a name from /etc/protocols or a number 0-255');
    else proto = rule.proto = info;
  }
  const icmpFamily = proto ? icmpFamilyOf(proto.num) : undefined;
  family = undefined;
  clashCol = undefined;

  if (has(LOG)) {
    const v = valText(LOG) as LogLevel;
    if (!LOG_LEVELS.includes(v)) err(valCol(LOG), Code.LogLevelInvalid, `invalid log level '${v}'`, LOG_LEVELS.join(', '));
    else rule.log = v;
  }

  if (has(DPORT)) {
    const value = valText(DPORT);
    if (!has(PROTO)) {
      err(optCol(DPORT), Code.PortNeedsProto, "'-dport' requires a protocol (-p)");
    } else if (proto && icmpFamily) {
      const t = value.includes(',') ? undefined : lookupIcmpType(icmpFamily, value);
      if (!t) err(valCol(DPORT), Code.IcmpTypeInvalid, `'${value}' is not an ICMP${icmpFamily === 6 ? 'v6' : ''} type`);
      else if (t !== 'any') {
        rule.icmpType = icmpSpec(icmpFamily, value, t);
        rule.spans.icmpType = at(optCol(DPORT));
      }
      delete rule.spans.dport;
    } else if (proto && !protocolHasPorts(proto.num)) {
      err(optCol(DPORT), Code.PortProtoMismatch, `protocol '${proto.name}' does not support ports`);
    } else if (proto) {
      const r = parsePorts(value);
      if ('error' in r) err(valCol(DPORT) + r.offset, r.tooMany ? Code.PortTooMany : Code.PortInvalid, r.error);
      else rule.dport = r.ok;
    }
  }

  if (has(SPORT)) {
    if (!has(PROTO)) err(optCol(SPORT), Code.PortNeedsProto, "'-sport' requires a protocol (-p)");
    else if (proto && !protocolHasPorts(proto.num)) err(optCol(SPORT), Code.PortProtoMismatch, `protocol '${proto.name}' does not support ports`);
    else if (proto) {
      const r = parsePorts(valText(SPORT));
      if ('error' in r) err(valCol(SPORT) + r.offset, r.tooMany ? Code.PortTooMany : Code.PortInvalid, r.error);
      else rule.sport = r.ok;
    }
  }

  if (has(ICMP_TYPE)) {
    const value = valText(ICMP_TYPE);
    if (has(DPORT)) err(optCol(ICMP_TYPE), Code.IcmpTypeWithDport, "'-icmp-type' and '-dport' exclude each other");
    else if (!has(PROTO)) err(optCol(ICMP_TYPE), Code.IcmpTypeNeedsProto, "'-icmp-type' requires -p icmp or -p icmpv6");
    else if (proto && !icmpFamily) err(optCol(ICMP_TYPE), Code.IcmpTypeNeedsProto, `'-icmp-type' is only valid with icmp or icmpv6, not '${proto.name}'`);
    else if (icmpFamily) {
      const t = lookupIcmpType(icmpFamily, value);
      if (!t) err(valCol(ICMP_TYPE), Code.IcmpTypeInvalid, `'${value}' is not an ICMP${icmpFamily === 6 ? 'v6' : ''} type`);
      else if (t !== 'any') rule.icmpType = icmpSpec(icmpFamily, value, t);
    }
  }
  if (icmpFamily && has(PROTO)) addFamily(icmpFamily, valCol(PROTO));

  for (const key of ADDR_OPTS) {
    const k = OPT_INDEX[key];
    if (!has(k)) continue;
    const r = parseAddrSpec(valText(k), env === 'guest');
    if ('error' in r) {
      const code = r.code === 'mixed' ? Code.AddrMixedFamily : r.code === 'range-in-list' ? Code.AddrRangeInList : r.code === 'scope' ? Code.ScopeInvalid : r.code === 'name' ? Code.NameInvalid : Code.AddrInvalid;
      err(valCol(k) + r.offset, code, r.error);
      continue;
    }
    rule[key] = r.ok;
    if (r.ok.kind === 'literal') addFamily(r.ok.family, valCol(k));
  }
  if (clashCol !== undefined) err(clashCol, Code.RuleFamilyConflict, 'rule mixes IPv4 and IPv6 (addresses and ICMP protocol must agree)');

  if (macro && errors === 0) checkMacro(macro, family);
  if (comment) rule.comment = comment;
  curDiags = undefined;
  return errors === 0 ? rule : undefined;
}

/** Index in VERDICTS of the `(VERDICT)` that ends a non-empty macro name, or -1. */
function macroVerdict(text: string): number {
  if (text.charCodeAt(text.length - 1) !== 0x29 /* ) */) return -1;
  for (let v = 0; v < MACRO_SUFFIXES.length; v++) {
    const suffix = MACRO_SUFFIXES[v] as string;
    if (text.length > suffix.length && text.endsWith(suffix)) return v;
  }
  return -1;
}

function icmpSpec(family: IpFamily, text: string, t: { type: number; code?: number }): IcmpTypeSpec {
  const spec: IcmpTypeSpec = { family, name: text.toLowerCase(), type: t.type };
  if (t.code !== undefined) spec.code = t.code;
  return spec;
}

/** The entries pve-firewall verifies a macro rule against, per macro: IPv6 ones, and the base (IPv4) table. */
const macroChecks = new Map<Macro, { base: MacroEntry[]; v6: MacroEntry[] }>();

/** pve-firewall refuses a rule parameter that the macro already sets to a different value. */
function checkMacro(macro: Macro, family: IpFamily | undefined): void {
  let c = macroChecks.get(macro);
  if (c === undefined) {
    c = { base: macro.entries.filter((e) => e.family !== 6), v6: macro.entries.filter((e) => e.family === undefined || e.family === 6) };
    macroChecks.set(macro, c);
  }
  // Without a family, pve-firewall verifies against the base (IPv4) table of the macro.
  const entries = family === 6 ? c.v6 : family === 4 || c.base.length ? c.base : macro.entries;
  const opts = optAt;
  for (const e of entries) {
    if (opts[PROTO] !== -1 && protocolNumber(tokText((opts[PROTO] as number) + 1)) !== protocolNumber(e.proto)) {
      err(tokCol(opts[PROTO] as number), Code.MacroConflict, `parameter 'proto' already defined in macro '${macro.name}' (value = '${e.proto}')`);
      return;
    }
    for (const k of ['dport', 'sport'] as const) {
      const i = opts[OPT_INDEX[k]] as number;
      const mv = e[k];
      if (i !== -1 && mv !== undefined && !tokIs(i + 1, mv)) {
        err(tokCol(i), Code.MacroConflict, `parameter '${k}' already defined in macro '${macro.name}' (value = '${mv}')`);
        return;
      }
    }
  }
}
