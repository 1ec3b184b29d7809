/**
 * pve-firewall's conformance data (test/fixtures/pve-firewall, FORMAT.md): every `tests` line
 * through the real pipeline — loadTree → resolve → compile → simulate.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTree } from '../../src/config/index.js';
import { resolve } from '../../src/model/index.js';
import { compile } from '../../src/compiler/compile.js';
import { simulateRequest, type SimRequest } from '../../src/compiler/batch.js';
import { CONFORMANCE_DIR, conformanceFiles, conformanceFolders, conformanceTree } from '../fixtures/pve-tree.js';
import { runCli } from '../unit/cli/run.js';

const SWEEP = ['host', 'outside', 'nfvm', 'vm100', 'ct200'];
const KEYS = new Set(['from', 'to', 'action', 'proto', 'dport', 'sport', 'source', 'dest', 'dsttype', 'srctype', 'id']);

interface TestLine {
  line: number;
  text: string;
  fields: Record<string, string>;
}

export function parseTests(text: string): TestLine[] {
  const out: TestLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith('#')) return;
    if (!/^\{.*\}$/.test(t)) throw new Error(`line ${i + 1}: not a hash literal`);
    const fields: Record<string, string> = {};
    for (const m of t.matchAll(/(\w+)\s*=>\s*(?:'([^']*)'|(\d+))/g)) {
      const key = m[1]!;
      if (!KEYS.has(key)) throw new Error(`line ${i + 1}: unknown key ${key}`);
      fields[key] = m[2] ?? m[3]!;
    }
    if (!fields.action) throw new Error(`line ${i + 1}: no action`);
    out.push({ line: i + 1, text: t, fields });
  });
  return out;
}

/** The (from, to) pairs one test line stands for, with the zone sweep. */
function pairs(f: Record<string, string>): [string, string][] {
  if (f.from && f.to) return [[f.from, f.to]];
  if (f.from) return SWEEP.filter((z) => z !== f.from).map((z) => [f.from!, z]);
  if (f.to) return SWEEP.filter((z) => z !== f.to).map((z) => [z, f.to!]);
  throw new Error('a test needs from or to');
}

function pipeline(folder: string) {
  const { tree } = loadTree(conformanceTree(folder), 'proxself');
  const { policy } = resolve(tree, { node: 'proxself', hostIPv4: '172.16.1.2', localNetwork: '172.16.1.0/24', now: 1_700_000_000 });
  return { policy, ruleset: compile(policy, { bridgeConntrack: false }) };
}

const folders = conformanceFolders();
const all = folders.map((folder) => ({ folder, tests: parseTests(readFileSync(join(CONFORMANCE_DIR, folder, 'tests'), 'utf8')) }));

describe('pve-firewall conformance data', () => {
  it('has 13 scenarios and 142 test lines, each folder at least one', () => {
    expect(folders).toHaveLength(13);
    expect(all.every((x) => x.tests.length > 0)).toBe(true);
    expect(all.reduce((n, x) => n + x.tests.length, 0)).toBe(142);
  });

  for (const { folder, tests } of all) {
    describe(folder, () => {
      const built = pipeline(folder);
      for (const t of tests) {
        it(`line ${t.line}: ${t.text}`, () => {
          const { action, ...rest } = t.fields;
          for (const [from, to] of pairs(rest)) {
            const req: SimRequest = { ...rest, from, to };
            const res = simulateRequest(built.ruleset, built.policy, req);
            const trace = res.trace.map((s) => `${s.family}/${s.hook} ${s.chain}#${s.rule} ${s.effect}${s.origin ? ` (${s.origin})` : ''}`);
            expect({ from, to, action: res.action }, trace.join('\n')).toEqual({ from, to, action });
          }
        });
      }
    });
  }
});

describe('pve-firewall conformance data through `fwctl simulate --batch` (JSON lines in, JSON lines out)', () => {
  for (const { folder, tests } of all) {
    it(folder, async () => {
      const root = mkdtempSync(join(tmpdir(), 'fwctl-conf-'));
      try {
        for (const [path, text] of conformanceFiles(folder)) {
          mkdirSync(dirname(join(root, path)), { recursive: true });
          writeFileSync(join(root, path), text);
        }
        const expected: string[] = [];
        const lines: string[] = [];
        for (const t of tests) {
          const { action, ...rest } = t.fields;
          for (const [from, to] of pairs(rest)) {
            lines.push(JSON.stringify({ ...rest, from, to }));
            expected.push(`${t.line} ${from}->${to} ${action}`);
          }
        }
        writeFileSync(join(root, 'batch.jsonl'), `${lines.join('\n')}\n`);
        const r = await runCli(['simulate', '--config', root, '--node', 'proxself', '--host-ip', '172.16.1.2', '--local-network', '172.16.1.0/24', '--batch', join(root, 'batch.jsonl')]);
        expect(r.code).toBe(0);
        const out = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string });
        expect(out).toHaveLength(lines.length);
        const got = out.map((o, i) => `${expected[i]!.split(' ').slice(0, 2).join(' ')} ${o.action}`);
        expect(got).toEqual(expected);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
