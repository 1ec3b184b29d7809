/**
 * Splits a config text into lines with 1-based numbers, CR stripped, surrounding blanks trimmed
 * (as pve-firewall does) and the column where the trimmed text starts. Lines that are too long or
 * carry control characters are reported and left out.
 */
import type { Diagnostics } from './diagnostics.js';
import { Code } from './codes.js';

export const MAX_LINE_LENGTH = 4096;

export interface Line {
  no: number;
  /** 1-based column of text[0] in the raw line. */
  col: number;
  text: string;
}

/** Index of the first control character other than TAB (DEL included), or -1. */
function controlIndex(line: string): number {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return i;
  }
  return -1;
}

const isSpaceOrTab = (c: number): boolean => c === 0x20 || c === 0x09;

export function splitLines(content: string, file: string, diags: Diagnostics): Line[] {
  const out: Line[] = [];
  const raw = content.split('\n');
  for (let i = 0; i < raw.length; i++) {
    let line = raw[i] ?? '';
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const no = i + 1;
    if (line.length > MAX_LINE_LENGTH) {
      diags.error({ file, line: no, col: MAX_LINE_LENGTH + 1 }, Code.LineTooLong, `line longer than ${MAX_LINE_LENGTH} characters`);
      continue;
    }
    const bad = controlIndex(line);
    if (bad >= 0) {
      diags.error({ file, line: no, col: bad + 1 }, Code.BinaryData, 'control character in line', 'the file looks binary or damaged');
      continue;
    }
    let start = 0;
    let end = line.length;
    while (start < end && isSpaceOrTab(line.charCodeAt(start))) start++;
    if (start === end) continue;
    while (isSpaceOrTab(line.charCodeAt(end - 1))) end--;
    out.push({ no, col: start + 1, text: line.slice(start, end) });
  }
  return out;
}
