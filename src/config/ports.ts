/**
 * Port lists of pve-firewall (parse_port_name_number_or_range): numbers, `a:b` ranges and service
 * names, comma-separated, at most 15 "numbers" where a range counts 2 (a service name counts 0,
 * as upstream).
 */
import type { PortRange } from './ast.js';
import { lookupService } from './services.js';

export type PortsResult = { ok: PortRange[] } | { error: string; offset: number; tooMany?: true };

const MAX_PORT_NUMBERS = 15;

function port(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

export function parsePorts(text: string): PortsResult {
  const out: PortRange[] = [];
  let count = 0;
  let offset = 0;
  for (const item of text.split(',')) {
    if (item === '') return { error: 'empty element in port list (extraneous comma)', offset };
    const range = /^(\d+):(\d+)$/.exec(item);
    if (range) {
      const lo = port(range[1] ?? '');
      const hi = port(range[2] ?? '');
      if (lo === undefined) return { error: `invalid port '${range[1]}'`, offset };
      if (hi === undefined) return { error: `invalid port '${range[2]}'`, offset: offset + item.indexOf(':') + 1 };
      if (lo > hi) return { error: `port range '${item}' ends before it starts`, offset };
      out.push({ lo, hi });
      count += 2;
    } else if (/^\d+$/.test(item)) {
      const p = port(item);
      if (p === undefined) return { error: `invalid port '${item}'`, offset };
      out.push({ lo: p, hi: p });
      count += 1;
    } else {
      const p = lookupService(item);
      if (p === undefined) return { error: `invalid port '${item}' (not a number, range or /etc/services name)`, offset };
      out.push({ lo: p, hi: p });
    }
    offset += item.length + 1;
  }
  if (count > MAX_PORT_NUMBERS) return { error: `too many entries in port list (> ${MAX_PORT_NUMBERS} numbers)`, offset: 0, tooMany: true };
  return { ok: out };
}
