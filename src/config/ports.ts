/**
 * Port lists of pve-firewall (parse_port_name_number_or_range): numbers, `a:b` ranges and service
 * names, comma-separated, at most 15 "numbers" where a range counts 2 (a service name counts 0,
 * as upstream).
 */
import type { PortRange } from './ast.js';
import { lookupService } from './services.js';

export type PortsResult = { ok: PortRange[] } | { error: string; offset: number; tooMany?: true };

const MAX_PORT_NUMBERS = 15;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** The port of the ASCII digits text[from, to) (1-5 of them, at most 65535), else -1. */
function port(text: string, from: number, to: number): number {
  if (to - from > 5) return -1;
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (text.charCodeAt(i) - 0x30);
  return n <= 65535 ? n : -1;
}

export function parsePorts(text: string): PortsResult {
  // A one-item list (the usual case) gets an array of its exact size.
  let first: PortRange | undefined;
  let out: PortRange[] | undefined;
  let count = 0;
  let offset = 0;
  for (;;) {
    const comma = text.indexOf(',', offset);
    const end = comma < 0 ? text.length : comma;
    if (end === offset) return { error: 'empty element in port list (extraneous comma)', offset };
    // Shape of the item: all digits, or digits ':' digits.
    let colon = -1;
    let shape = true;
    for (let i = offset; i < end; i++) {
      const c = text.charCodeAt(i);
      if (isDigit(c)) continue;
      if (c === 0x3a /* : */ && colon < 0 && i > offset && i < end - 1) {
        colon = i;
        continue;
      }
      shape = false;
      break;
    }
    if (shape && colon >= 0) {
      const lo = port(text, offset, colon);
      const hi = port(text, colon + 1, end);
      if (lo < 0) return { error: `invalid port '${text.slice(offset, colon)}'`, offset };
      if (hi < 0) return { error: `invalid port '${text.slice(colon + 1, end)}'`, offset: colon + 1 };
      if (lo > hi) return { error: `port range '${text.slice(offset, end)}' ends before it starts`, offset };
      const r = { lo, hi };
      if (out) out.push(r);
      else if (first) out = [first, r];
      else first = r;
      count += 2;
    } else if (shape) {
      const p = port(text, offset, end);
      if (p < 0) return { error: `invalid port '${text.slice(offset, end)}'`, offset };
      const r = { lo: p, hi: p };
      if (out) out.push(r);
      else if (first) out = [first, r];
      else first = r;
      count += 1;
    } else {
      const item = text.slice(offset, end);
      const p = lookupService(item);
      if (p === undefined) return { error: `invalid port '${item}' (not a number, range or /etc/services name)`, offset };
      const r = { lo: p, hi: p };
      if (out) out.push(r);
      else if (first) out = [first, r];
      else first = r;
    }
    if (comma < 0) break;
    offset = end + 1;
  }
  if (count > MAX_PORT_NUMBERS) return { error: `too many entries in port list (> ${MAX_PORT_NUMBERS} numbers)`, offset: 0, tooMany: true };
  return { ok: out ?? [first as PortRange] };
}
