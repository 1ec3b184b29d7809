/**
 * Seeded fuzzing of every parser: random bytes, token soup and mutations of the conformance files.
 * Each parse must return (never throw) and every diagnostic must carry a positive line and column.
 */
import { describe, expect, it } from 'vitest';
import type { FwKind } from '../../../src/config/ast.js';
import type { Diagnostic } from '../../../src/config/diagnostics.js';
import { parseCorosync } from '../../../src/config/corosync.js';
import { parseFw } from '../../../src/config/fw.js';
import { parseGuestConf } from '../../../src/config/guest-conf.js';
import { conformanceFiles, conformanceFolders } from '../../fixtures/pve-tree.js';
import { mulberry32 } from '../../fixtures/prng.js';

const TOKENS = [
  '[OPTIONS]', '[RULES]', '[ALIASES]', '[IPSET s1]', '[group g1]', '[ipset', ']', '[', '#', '|', '\n', '\n', '\n', ' ', ' ', '\t', '\r\n',
  'IN', 'OUT', 'FORWARD', 'GROUP', 'ACCEPT', 'DROP', 'REJECT', 'SSH(ACCEPT)', 'Ping(DROP)', '(', ')', '-p', '--proto', 'tcp', 'icmp', 'icmpv6',
  '-dport', '-sport', '22', '80:90', '1,2,3', ',', ':', '-source', '-dest', '10.0.0.1', '10.0.0.0/8', '10.0.0.1-10.0.0.9', 'fe80::1', '::/0',
  '+s1', '+dc/s1', 'guest/a', 'dc/', '-i', 'net0', 'vmbr0', '-log', 'info', '-icmp-type', 'echo-request', 'enable:', '1', '0', 'policy_in:',
  'log_ratelimit:', 'rate=1/second', 'burst=', 'nf_conntrack_helpers:', 'ftp', '!', 'net0:', 'virtio=BC:24:11:00:00:01', 'bridge=vmbr0',
  'nodelist', '{', '}', 'node', 'name:', 'ring0_addr:', 'totem', '\u0000', 'é', '💥', 'x'.repeat(300),
];

const KINDS: FwKind[] = ['cluster', 'host', 'guest'];

function checkDiags(diags: Diagnostic[], input: string): void {
  for (const d of diags) {
    if (!(Number.isInteger(d.line) && d.line >= 1 && Number.isInteger(d.col) && d.col >= 1 && d.code)) {
      throw new Error(`bad diagnostic ${JSON.stringify(d)} for input ${JSON.stringify(input.slice(0, 200))}`);
    }
  }
}

function parseAll(text: string, rnd: () => number): void {
  for (const kind of KINDS) checkDiags(parseFw(text, 'f.fw', kind, 100).diagnostics, text);
  checkDiags(parseGuestConf(text, 'g.conf', 100, rnd() < 0.5 ? 'qemu' : 'lxc', 'n').diagnostics, text);
  checkDiags(parseCorosync(text, 'c.conf').diagnostics, text);
}

function randomBytes(rnd: () => number): string {
  const n = Math.floor(rnd() * 400);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rnd() * (rnd() < 0.9 ? 128 : 0x3000)));
  return s;
}

function tokenSoup(rnd: () => number): string {
  const n = Math.floor(rnd() * 60);
  let s = '';
  for (let i = 0; i < n; i++) s += TOKENS[Math.floor(rnd() * TOKENS.length)] + (rnd() < 0.6 ? ' ' : '');
  return s;
}

const CORPUS = conformanceFolders().flatMap((f) => [...conformanceFiles(f).values()]);

function mutate(rnd: () => number): string {
  let s = CORPUS[Math.floor(rnd() * CORPUS.length)] ?? '';
  const edits = 1 + Math.floor(rnd() * 6);
  for (let i = 0; i < edits; i++) {
    const pos = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    if (op < 0.3) s = s.slice(0, pos) + s.slice(pos + 1 + Math.floor(rnd() * 8));
    else if (op < 0.6) s = s.slice(0, pos) + (TOKENS[Math.floor(rnd() * TOKENS.length)] ?? '') + s.slice(pos);
    else if (op < 0.8) s = s.slice(0, pos) + String.fromCharCode(Math.floor(rnd() * 256)) + s.slice(pos + 1);
    else {
      const a = Math.floor(rnd() * s.length);
      s = s.slice(0, pos) + s.slice(a, a + Math.floor(rnd() * 40)) + s.slice(pos);
    }
  }
  return s;
}

describe('parser fuzzing (seeded)', () => {
  const CASES = 3000;
  for (const [name, gen, seed] of [['random bytes', randomBytes, 1], ['token soup', tokenSoup, 2], ['fixture mutations', mutate, 3]] as const) {
    it(`${name}: ${CASES} cases never throw, diagnostics have positions`, () => {
      const rnd = mulberry32(seed);
      for (let i = 0; i < CASES; i++) parseAll(gen(rnd), rnd);
      expect(CORPUS.length).toBeGreaterThan(20);
    });
  }

  it('huge inputs stay fast: 20k lines, one 1 MB line', () => {
    const big = `[RULES]\n${'IN ACCEPT -p tcp -dport 22 -source 10.0.0.1,10.0.0.2\n'.repeat(20000)}`;
    const t0 = performance.now();
    const r = parseFw(big, 'f.fw', 'guest', 100);
    expect(r.ast.rules).toHaveLength(20000);
    const long = parseFw(`[RULES]\nIN ACCEPT -source ${'1'.repeat(1_000_000)}\n`, 'f.fw', 'guest', 100);
    expect(long.diagnostics.map((d) => d.code)).toEqual(['CFG_LINE_TOO_LONG']);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
