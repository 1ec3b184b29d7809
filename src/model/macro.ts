/**
 * Macro expansion with pve-firewall's parameter rules: the macro's entries give protocol and
 * ports; the rule's own options fill what an entry leaves open, and an option the entry already
 * sets must agree with it (else the rule is an error). Entries of the other family are dropped.
 */
import type { IcmpTypeSpec, IpFamily, PortRange, RuleAst } from '../config/ast.js';
import { lookupIcmpType } from '../config/icmp.js';
import { lookupMacro, type MacroEntry } from '../config/macros.js';
import { icmpFamilyOf, lookupProtocol, protocolHasPorts } from '../config/protocols.js';
import type { PolicyRule } from './policy.js';
import { Code } from './codes.js';
import { RuleError, spanOf, type RuleOpt } from './rule-error.js';
import { portRange } from './values.js';

export type MacroLine = Pick<PolicyRule, 'family' | 'proto' | 'dport' | 'sport' | 'icmpType'>;

/** `80`, `6881:6889`, `135,139,445` (the macro table holds numbers only). */
export function parsePortList(text: string): PortRange[] {
  return text.split(',').map((part) => {
    const [lo, hi] = part.split(':');
    return portRange(Number(lo), Number(hi ?? lo));
  });
}

/** Parsed port lists of the macro table (a fixed, small set of texts), shared by all rules. */
const macroPorts = new Map<string, PortRange[]>();

function macroPortList(text: string): PortRange[] {
  let ports = macroPorts.get(text);
  if (ports === undefined) {
    ports = parsePortList(text);
    macroPorts.set(text, ports);
  }
  return ports;
}

const samePorts = (a: PortRange[], b: PortRange[]): boolean =>
  a.length === b.length && a.every((p, i) => p.lo === b[i]?.lo && p.hi === b[i]?.hi);

const sameIcmp = (a: IcmpTypeSpec, b: IcmpTypeSpec): boolean => a.family === b.family && a.type === b.type && a.code === b.code;

export function expandMacro(r: RuleAst, family: IpFamily | undefined): MacroLine[] {
  const name = r.macro ?? '';
  const macro = lookupMacro(name);
  if (!macro) throw new RuleError(Code.macroUnknown, spanOf(r, 'action'), `unknown macro '${name}'`);
  const lines: MacroLine[] = [];
  for (const e of macro.entries) {
    if (family !== undefined && e.family !== undefined && e.family !== family) continue;
    lines.push(expandEntry(r, macro.name, e, family));
  }
  return lines;
}

function expandEntry(r: RuleAst, macro: string, e: MacroEntry, family: IpFamily | undefined): MacroLine {
  const conflict = (opt: RuleOpt, what: string): RuleError =>
    new RuleError(Code.macroConflict, spanOf(r, opt), `'${what}' is already defined by macro '${macro}'`);
  const proto = lookupProtocol(e.proto);
  if (!proto) throw new RuleError(Code.macroUnknown, spanOf(r, 'action'), `macro '${macro}' names unknown protocol '${e.proto}'`);
  if (r.proto && r.proto.num !== proto.num) throw conflict('proto', 'proto');
  const line: MacroLine = { proto: proto.num };

  const dport = e.dport !== undefined ? macroPortList(e.dport) : undefined;
  if (dport && r.dport && !samePorts(dport, r.dport)) throw conflict('dport', 'dport');
  if (dport ?? r.dport) line.dport = dport ?? r.dport;
  const sport = e.sport !== undefined ? macroPortList(e.sport) : undefined;
  if (sport && r.sport && !samePorts(sport, r.sport)) throw conflict('sport', 'sport');
  if (sport ?? r.sport) line.sport = sport ?? r.sport;

  const icmpFamily = icmpFamilyOf(proto.num);
  const icmp = e.icmpType !== undefined && icmpFamily !== undefined ? icmpSpec(icmpFamily, e.icmpType) : undefined;
  if (icmp) {
    // pve-firewall stores an entry's ICMP type in its dport: a user -dport conflicts with it.
    if (r.dport) throw conflict('dport', 'dport');
    if (r.icmpType && !sameIcmp(icmp, r.icmpType)) throw conflict('icmpType', 'icmp-type');
    line.icmpType = icmp;
  } else if (r.icmpType) {
    if (icmpFamily !== r.icmpType.family) throw conflict('icmpType', 'proto');
    line.icmpType = r.icmpType;
  }

  if ((line.dport || line.sport) && !protocolHasPorts(proto.num)) {
    throw new RuleError(Code.portsUnsupported, spanOf(r, line.dport ? 'dport' : 'sport'), `macro '${macro}': protocol '${proto.name}' does not support ports`);
  }
  const f = e.family ?? icmpFamily ?? family;
  if (f !== undefined) line.family = f;
  return line;
}

function icmpSpec(family: IpFamily, name: string): IcmpTypeSpec | undefined {
  const t = lookupIcmpType(family, name);
  if (t === undefined || t === 'any') return undefined;
  const spec: IcmpTypeSpec = { family, name: name.toLowerCase(), type: t.type };
  if (t.code !== undefined) spec.code = t.code;
  return spec;
}
