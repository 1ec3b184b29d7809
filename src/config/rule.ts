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
import { lookupMacro, type Macro } from './macros.js';
import { parsePorts } from './ports.js';
import { icmpFamilyOf, lookupProtocol, protocolHasPorts } from './protocols.js';

/** Where the rule sits: a file's [RULES] (by file kind) or a cluster [group x]. */
export type RuleEnv = 'cluster' | 'host' | 'guest' | 'group';

export const LOG_LEVELS: readonly LogLevel[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'nolog'];

const TYPES_BY_ENV: Record<RuleEnv, readonly RuleType[]> = {
  cluster: ['in', 'out', 'forward', 'group'],
  host: ['in', 'out', 'forward', 'group'],
  guest: ['in', 'out', 'group'],
  group: ['in', 'out', 'forward'],
};

const OPTION_NAMES = new Map<string, OptKey>([
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

const RULE_TYPES: readonly RuleType[] = ['in', 'out', 'forward', 'group'];

type OptKey = 'iface' | 'proto' | 'dport' | 'sport' | 'source' | 'dest' | 'log' | 'icmpType';

interface Token {
  text: string;
  col: number;
}

type Opts = Record<OptKey, { opt: Token; value: Token } | undefined>;

/** All keys present from the start, so that every rule's option table has the same shape. */
const noOpts = (): Opts => ({ iface: undefined, proto: undefined, dport: undefined, sport: undefined, source: undefined, dest: undefined, log: undefined, icmpType: undefined });

/** `-name` or `--name`; the name is what follows the dashes. */
const OPTION_SYNTAX = /^--?[a-z][a-z-]*$/;

const ADDR_OPTS = ['source', 'dest'] as const;

const HOST_IFACE = /^[a-z][a-z0-9_]{1,20}([:.]\d+)?$/i;
const GUEST_IFACE = /^net\d+$/;

/** The `\S+` words of the text with their columns. */
function tokenize(text: string, col0: number): Token[] {
  const out: Token[] = [];
  let start = -1;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0x20;
    if (isBlank(c)) {
      if (start >= 0) out.push({ text: text.slice(start, i), col: col0 + start });
      start = -1;
    } else if (start < 0) {
      start = i;
    }
  }
  return out;
}

export function parseRule(line: Line, file: string, env: RuleEnv, diags: Diagnostics): RuleAst | undefined {
  const at = (col: number): Span => ({ file, line: line.no, col });
  let errors = 0;
  const err = (col: number, code: string, msg: string, hint?: string): void => {
    errors++;
    diags.error(at(col), code, msg, hint);
  };

  let body = line.text;
  let comment: string | undefined;
  const hash = body.indexOf('#');
  if (hash >= 0) {
    comment = body.slice(hash + 1).trim();
    body = body.slice(0, hash);
  }
  let enabled = true;
  let bodyCol = line.col;
  if (body.startsWith('|')) {
    enabled = false;
    body = body.slice(1);
    bodyCol++;
  }
  const tokens = tokenize(body, bodyCol);
  const [typeTok, actionTok] = tokens;
  if (!typeTok || !actionTok) {
    err(typeTok?.col ?? line.col, Code.RuleSyntax, 'unable to parse rule: expected TYPE ACTION [OPTIONS]');
    return undefined;
  }

  const type = typeTok.text.toLowerCase() as RuleType;
  if (!RULE_TYPES.includes(type)) {
    err(typeTok.col, Code.RuleType, `unknown rule type '${typeTok.text}'`, 'IN, OUT, FORWARD or GROUP');
    return undefined;
  }
  if (!TYPES_BY_ENV[env].includes(type)) {
    const where = env === 'group' ? 'inside a security group' : `in a ${env} file`;
    err(typeTok.col, Code.RuleTypeNotAllowed, `${type.toUpperCase()} rules are not allowed ${where}`);
  }

  const rule: RuleAst = { span: at(line.col), enabled, type, spans: { action: at(actionTok.col) } };
  let macro: Macro | undefined;
  if (type === 'group') {
    if (!NAME_PATTERN.test(actionTok.text) || actionTok.text.length > MAX_GROUP_NAME) {
      err(actionTok.col, Code.NameInvalid, `invalid security group name '${actionTok.text}'`, `[A-Za-z][A-Za-z0-9_-]+, at most ${MAX_GROUP_NAME} characters`);
    }
    rule.group = actionTok.text.toLowerCase();
  } else {
    const m = /^(\S+)\((ACCEPT|DROP|REJECT)\)$/.exec(actionTok.text);
    if (m) {
      macro = lookupMacro(m[1] ?? '');
      if (!macro) err(actionTok.col, Code.MacroUnknown, `unknown macro '${m[1]}'`);
      else rule.macro = macro.name;
      rule.action = m[2] as Verdict;
    } else if (/^(ACCEPT|DROP|REJECT)$/.test(actionTok.text)) {
      rule.action = actionTok.text as Verdict;
    } else {
      err(actionTok.col, Code.RuleAction, `unknown action '${actionTok.text}'`, 'ACCEPT, DROP, REJECT or Macro(ACTION)');
    }
  }

  // Collect options; values are checked below, once the protocol is known.
  const opts = noOpts();
  for (let i = 2; i < tokens.length; i += 2) {
    const opt = tokens[i] as Token;
    const name = OPTION_SYNTAX.test(opt.text) ? opt.text.slice(opt.text.startsWith('--') ? 2 : 1) : undefined;
    const key = name === undefined ? undefined : OPTION_NAMES.get(name);
    if (!key) {
      err(opt.col, Code.RuleOptionUnknown, `unable to parse rule parameters at '${opt.text}'`, '-i, -p, -dport, -sport, -source, -dest, -log, -icmp-type');
      return undefined;
    }
    const value = tokens[i + 1];
    if (!value) {
      err(opt.col, Code.RuleOptionValueMissing, `option '${opt.text}' needs a value`);
      return undefined;
    }
    if (type === 'group' && key !== 'iface') {
      err(opt.col, Code.GroupRuleOption, `GROUP rules take only -i, not '${opt.text}'`);
      continue;
    }
    if (opts[key]) diags.warn(at(opt.col), Code.RuleOptionDuplicate, `option '${opt.text}' given twice; the last one applies`);
    opts[key] = { opt, value };
    rule.spans[key] = at(opt.col);
  }

  const iface = opts.iface;
  if (iface) {
    const v = iface.value.text;
    if (env === 'group') err(iface.opt.col, Code.IfaceNotAllowed, 'parameter -i is not allowed for rules inside a security group');
    else if (env === 'guest' && !GUEST_IFACE.test(v)) err(iface.value.col, Code.IfaceInvalid, `interface '${v}' must be a guest NIC key (netN)`);
    else if (env !== 'guest' && !HOST_IFACE.test(v)) err(iface.value.col, Code.IfaceInvalid, `invalid network interface name '${v}'`);
    else rule.iface = v;
  }

  let proto: Proto | undefined;
  if (opts.proto) {
    const info = lookupProtocol(opts.proto.value.text);
    if (!info) err(opts.proto.value.col, Code.ProtoUnknown, `unknown protocol '${opts.proto.value.text}'`, 'a name from /etc/protocols or a number 0-255');
    else proto = rule.proto = { name: info.name, num: info.num };
  }
  const icmpFamily = proto ? icmpFamilyOf(proto.num) : undefined;
  // The rule's family comes from its first family-bound part; a later part of the other family clashes.
  let family: IpFamily | undefined;
  let clashCol: number | undefined;
  const addFamily = (f: IpFamily, col: number): void => {
    if (family === undefined) family = f;
    else if (f !== family && clashCol === undefined) clashCol = col;
  };

  if (opts.log) {
    const v = opts.log.value.text as LogLevel;
    if (!LOG_LEVELS.includes(v)) err(opts.log.value.col, Code.LogLevelInvalid, `invalid log level '${v}'`, LOG_LEVELS.join(', '));
    else rule.log = v;
  }

  if (opts.dport) {
    const { opt, value } = opts.dport;
    if (!opts.proto) {
      err(opt.col, Code.PortNeedsProto, "'-dport' requires a protocol (-p)");
    } else if (proto && icmpFamily) {
      const t = value.text.includes(',') ? undefined : lookupIcmpType(icmpFamily, value.text);
      if (!t) err(value.col, Code.IcmpTypeInvalid, `'${value.text}' is not an ICMP${icmpFamily === 6 ? 'v6' : ''} type`);
      else if (t !== 'any') {
        rule.icmpType = icmpSpec(icmpFamily, value.text, t);
        rule.spans.icmpType = at(opt.col);
      }
      delete rule.spans.dport;
    } else if (proto && !protocolHasPorts(proto.num)) {
      err(opt.col, Code.PortProtoMismatch, `protocol '${proto.name}' does not support ports`);
    } else if (proto) {
      const r = parsePorts(value.text);
      if ('error' in r) err(value.col + r.offset, r.tooMany ? Code.PortTooMany : Code.PortInvalid, r.error);
      else rule.dport = r.ok;
    }
  }

  if (opts.sport) {
    const { opt, value } = opts.sport;
    if (!opts.proto) err(opt.col, Code.PortNeedsProto, "'-sport' requires a protocol (-p)");
    else if (proto && !protocolHasPorts(proto.num)) err(opt.col, Code.PortProtoMismatch, `protocol '${proto.name}' does not support ports`);
    else if (proto) {
      const r = parsePorts(value.text);
      if ('error' in r) err(value.col + r.offset, r.tooMany ? Code.PortTooMany : Code.PortInvalid, r.error);
      else rule.sport = r.ok;
    }
  }

  if (opts.icmpType) {
    const { opt, value } = opts.icmpType;
    if (opts.dport) err(opt.col, Code.IcmpTypeWithDport, "'-icmp-type' and '-dport' exclude each other");
    else if (!opts.proto) err(opt.col, Code.IcmpTypeNeedsProto, "'-icmp-type' requires -p icmp or -p icmpv6");
    else if (proto && !icmpFamily) err(opt.col, Code.IcmpTypeNeedsProto, `'-icmp-type' is only valid with icmp or icmpv6, not '${proto.name}'`);
    else if (icmpFamily) {
      const t = lookupIcmpType(icmpFamily, value.text);
      if (!t) err(value.col, Code.IcmpTypeInvalid, `'${value.text}' is not an ICMP${icmpFamily === 6 ? 'v6' : ''} type`);
      else if (t !== 'any') rule.icmpType = icmpSpec(icmpFamily, value.text, t);
    }
  }
  if (icmpFamily && opts.proto) addFamily(icmpFamily, opts.proto.value.col);

  for (const key of ADDR_OPTS) {
    const o = opts[key];
    if (!o) continue;
    const r = parseAddrSpec(o.value.text, env === 'guest');
    if ('error' in r) {
      const code = r.code === 'mixed' ? Code.AddrMixedFamily : r.code === 'range-in-list' ? Code.AddrRangeInList : r.code === 'scope' ? Code.ScopeInvalid : r.code === 'name' ? Code.NameInvalid : Code.AddrInvalid;
      err(o.value.col + r.offset, code, r.error);
      continue;
    }
    rule[key] = r.ok;
    if (r.ok.kind === 'literal') addFamily(r.ok.family, o.value.col);
  }
  if (clashCol !== undefined) err(clashCol, Code.RuleFamilyConflict, 'rule mixes IPv4 and IPv6 (addresses and ICMP protocol must agree)');

  if (macro && errors === 0) checkMacro(macro, family, opts, err);
  if (comment) rule.comment = comment;
  return errors === 0 ? rule : undefined;
}

function icmpSpec(family: IpFamily, text: string, t: { type: number; code?: number }): IcmpTypeSpec {
  const spec: IcmpTypeSpec = { family, name: text.toLowerCase(), type: t.type };
  if (t.code !== undefined) spec.code = t.code;
  return spec;
}

/** pve-firewall refuses a rule parameter that the macro already sets to a different value. */
function checkMacro(
  macro: Macro,
  family: IpFamily | undefined,
  opts: Opts,
  err: (col: number, code: string, msg: string) => void,
): void {
  // Without a family, pve-firewall verifies against the base (IPv4) table of the macro.
  const base = macro.entries.filter((e) => e.family !== 6);
  const entries = family ? macro.entries.filter((e) => e.family === undefined || e.family === family) : base.length ? base : macro.entries;
  for (const e of entries) {
    const p = opts.proto;
    if (p && lookupProtocol(p.value.text)?.num !== lookupProtocol(e.proto)?.num) {
      err(p.opt.col, Code.MacroConflict, `parameter 'proto' already defined in macro '${macro.name}' (value = '${e.proto}')`);
      return;
    }
    for (const k of ['dport', 'sport'] as const) {
      const o = opts[k];
      const mv = e[k];
      if (o && mv !== undefined && o.value.text !== mv) {
        err(o.opt.col, Code.MacroConflict, `parameter '${k}' already defined in macro '${macro.name}' (value = '${mv}')`);
        return;
      }
    }
  }
}
