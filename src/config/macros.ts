/**
 * Macro lookup over the table in macro-table.ts. The effective entries follow pve-firewall: a macro
 * with IPv6 override rows uses its generic rows for IPv4 only and the override rows for IPv6; the
 * proxmox-ve-config rows count only for macros pve-firewall does not know (HTTP/3, PBS).
 */
import type { IpFamily } from './ast.js';
import { MACRO_DESCRIPTIONS, MACRO_ROWS, type MacroRow } from './macro-table.js';

export interface MacroEntry {
  macro: string;
  proto: string;
  dport?: string;
  sport?: string;
  icmpType?: string;
  /** Only for this family; undefined means both. */
  family?: IpFamily;
}

export interface Macro {
  name: string; // canonical spelling
  description: string;
  entries: MacroEntry[];
}

const ICMP_FAMILY: Record<string, IpFamily> = { icmp: 4, icmpv6: 6, 'ipv6-icmp': 6 };

function toEntry(row: MacroRow, family: IpFamily | undefined): MacroEntry {
  const e: MacroEntry = { macro: row.m, proto: row.proto };
  const icmpFamily = ICMP_FAMILY[row.proto];
  const icmpType = row.icmpType ?? (icmpFamily ? row.dport : undefined);
  if (row.dport !== undefined && !icmpFamily) e.dport = row.dport;
  if (row.sport !== undefined) e.sport = row.sport;
  if (icmpType !== undefined) e.icmpType = icmpType;
  const fam = icmpFamily ?? family;
  if (fam !== undefined) e.family = fam;
  return e;
}

function build(): Map<string, Macro> {
  const byName = new Map<string, MacroRow[]>();
  for (const row of MACRO_ROWS) {
    const list = byName.get(row.m) ?? [];
    list.push(row);
    byName.set(row.m, list);
  }
  const out = new Map<string, Macro>();
  for (const [name, rows] of byName) {
    const v4 = rows.filter((r) => r.src === 'pve-firewall');
    const v6 = rows.filter((r) => r.src === 'pve-firewall-ipv6');
    const newer = rows.filter((r) => r.src === 'proxmox-ve-config');
    let entries: MacroEntry[];
    if (v4.length === 0 && v6.length === 0) entries = newer.map((r) => toEntry(r, undefined));
    else if (v6.length === 0) entries = v4.map((r) => toEntry(r, undefined));
    else entries = [...v4.map((r) => toEntry(r, 4)), ...v6.map((r) => toEntry(r, 6))];
    out.set(name.toLowerCase(), { name, description: MACRO_DESCRIPTIONS[name] ?? '', entries });
  }
  return out;
}

const MACROS = build();

/** Case-insensitive lookup; undefined for an unknown macro. */
export function lookupMacro(name: string): Macro | undefined {
  return MACROS.get(name.toLowerCase());
}

export function macroNames(): string[] {
  return [...MACROS.values()].map((m) => m.name).sort();
}
