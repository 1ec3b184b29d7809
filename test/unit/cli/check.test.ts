import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run.js';

const facts = ['--host-ip', '10.10.10.11', '--local-network', '10.10.10.0/24'];
const tmp = mkdtempSync(join(tmpdir(), 'fwctl-check-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmp, 't-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('fwctl check', () => {
  it('reports the bundled example tree clean', async () => {
    const r = await runCli(['check', '--config', 'examples/pve', '--node', 'pve1', '--json', ...facts]);
    expect(JSON.parse(r.stdout)).toEqual({ diagnostics: [] });
    expect(r.code).toBe(0);
  });

  it('reports every error with file, line and column, exit 1', async () => {
    const root = tree({
      'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -dport 80\nIN ACCEPT -p tcp -dport 22\n',
      'nodes/n1/host.fw': '[OPTIONS]\nbogus_option: 1\n',
    });
    const r = await runCli(['check', '--config', root, '--node', 'n1', '--json', ...facts]);
    expect(r.code).toBe(1);
    const { diagnostics } = JSON.parse(r.stdout) as { diagnostics: { file: string; line: number; col: number; code: string; severity: string }[] };
    expect(diagnostics.map((d) => [d.file, d.line, d.severity])).toEqual([
      ['firewall/cluster.fw', 5, 'error'],
      ['nodes/n1/host.fw', 2, 'error'],
    ]);
    for (const d of diagnostics) expect(d.col).toBeGreaterThan(0);
  });

  it('prints file:line:col: severity code: message without --json', async () => {
    const root = tree({ 'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -source nosuchalias\n' });
    const r = await runCli(['check', '--config', root, '--node', 'n1', ...facts]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^firewall\/cluster\.fw:4:\d+: error [A-Z_]+: .*nosuchalias/m);
  });

  it('exits 2 on usage errors', async () => {
    expect((await runCli(['check', '--no-such-flag'])).code).toBe(2);
    expect((await runCli(['check', '--config', join(tmp, 'missing')])).code).toBe(2);
    expect((await runCli(['check', '--config', 'examples/pve', '--host-ip', '10.0.0.300'])).code).toBe(2);
  });
});
