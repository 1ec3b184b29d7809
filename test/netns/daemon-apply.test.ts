import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FACTS, fwctl, kernelTable, makeNs, nftTables, removeNs, rmrf, tempDir, treeFiles, until, writeTree } from './daemon-harness.js';

let NS: string;
let base: string;
let cfg: string;
let state: string;

beforeAll(() => {
  NS = makeNs('fwtest-e3');
  base = tempDir('apply');
  cfg = join(base, 'cfg');
  state = join(base, 'state');
  mkdirSync(cfg, { recursive: true });
});
afterAll(() => {
  removeNs(NS);
  rmrf(base);
});

const apply = (extra: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  fwctl(['apply', '--config', cfg, ...FACTS, '--state-dir', state, ...extra], { ns: NS, env });

describe('fwctl apply / confirm / stop (one-shot, in a namespace)', () => {
  it('applies with bad lines reported as file:line:col; --strict refuses and leaves the kernel untouched', async () => {
    writeTree(cfg, treeFiles('10.66.20.1', 7001, 'IN NOPE\n'));
    const r = await apply();
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^nodes\/pve1\/host\.fw:6:\d+: error /m);
    expect(kernelTable(NS)).toContain('10.66.20.1');

    writeTree(cfg, treeFiles('10.66.20.2', 7002, 'IN NOPE\n'));
    const s = await apply(['--strict']);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/nothing applied/);
    expect(kernelTable(NS)).toContain('10.66.20.1');
    expect(kernelTable(NS)).not.toContain('10.66.20.2');
  });

  it('refuses a ruleset that would cut the SSH session in SSH_CONNECTION unless --force', async () => {
    writeTree(cfg, treeFiles('10.66.20.3', 7003));
    // 10.50.0.9 is outside local_network (10.9.0.0/24), so the management rules do not let it in
    const ssh = { SSH_CONNECTION: '10.50.0.9 50123 10.9.0.1 22' };
    const r = await apply([], ssh);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SSH session \(10\.50\.0\.9 → 10\.9\.0\.1:22\)/);
    expect(kernelTable(NS)).not.toContain('10.66.20.3');
    // from inside local_network the same config is fine
    expect((await apply([], { SSH_CONNECTION: '10.9.0.77 50123 10.9.0.1 22' })).code).toBe(0);
    expect(kernelTable(NS)).toContain('10.66.20.3');
    // --force overrides
    writeTree(cfg, treeFiles('10.66.20.4', 7004));
    expect((await apply(['--force'], ssh)).code).toBe(0);
    expect(kernelTable(NS)).toContain('10.66.20.4');
  });

  it('--confirm: rolls back to the previous ruleset unless confirmed in time', async () => {
    writeTree(cfg, treeFiles('10.66.20.5', 7005));
    expect((await apply()).code).toBe(0);
    writeTree(cfg, treeFiles('10.66.20.6', 7006));
    const r = await apply(['--confirm', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/fwctl confirm/);
    expect(kernelTable(NS)).toContain('10.66.20.6');
    await until(() => kernelTable(NS).includes('10.66.20.5'), 8000, 'rollback');
    expect(kernelTable(NS)).not.toContain('10.66.20.6');
    expect((await fwctl(['confirm', '--state-dir', state], { ns: NS })).code).toBe(1); // too late

    writeTree(cfg, treeFiles('10.66.20.7', 7007));
    expect((await apply(['--confirm', '2'])).code).toBe(0);
    const c = await fwctl(['confirm', '--state-dir', state], { ns: NS });
    expect(c.code).toBe(0);
    await new Promise((res) => setTimeout(res, 3000));
    expect(kernelTable(NS)).toContain('10.66.20.7');
  }, 30_000);

  it('stop removes fwctl tables and nothing else', async () => {
    execFileSync('ip', ['netns', 'exec', NS, 'nft', 'add', 'table', 'inet', 'other']);
    expect(nftTables(NS)).toContain('table inet fwctl');
    const r = await fwctl(['stop'], { ns: NS });
    expect(r.code).toBe(0);
    const t = nftTables(NS);
    expect(t).not.toContain('fwctl');
    expect(t).toContain('table inet other');
    expect((await fwctl(['stop'], { ns: NS })).code).toBe(0); // idempotent
  });

  it('status without a daemon exits 3', async () => {
    const r = await fwctl(['status', '--state-dir', state]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/stopped/);
  });
});
