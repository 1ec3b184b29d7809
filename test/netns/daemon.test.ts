import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DaemonProc, kernelTable, makeNs, metricValue, removeNs, rmrf, startDaemon, tempDir, treeFiles, until, writeTree,
} from './daemon-harness.js';

let NS: string;
let base: string;
let running: DaemonProc | undefined;

beforeAll(() => {
  NS = makeNs('fwtest-e1');
  base = tempDir('daemon');
});
afterEach(async () => {
  if (running && running.proc.exitCode === null) await running.stop();
  running = undefined;
  try {
    execFileSync('chattr', ['-i', join(base, 'state')], { stdio: 'ignore' });
  } catch {
    // not set
  }
});
afterAll(() => {
  removeNs(NS);
  rmrf(base);
});

/** A fresh config dir and state dir; the kernel cleared. */
function fresh(tag: string): { cfg: string; state: string } {
  execFileSync('ip', ['netns', 'exec', NS, 'nft', 'flush', 'ruleset']);
  const cfg = join(base, `cfg-${tag}`);
  const state = join(base, 'state');
  rmrf(cfg);
  rmrf(state);
  mkdirSync(cfg, { recursive: true });
  return { cfg, state };
}

const has = (elem: string, port: number) => () => {
  const t = kernelTable(NS);
  return t.includes(elem) && t.includes(`dport ${port} `);
};

describe('fwctl daemon in a namespace', () => {
  it('applies, reports a bad line with file:line:col in log, status and /metrics, applies the rest; SIGTERM leaves the rules', async () => {
    const { cfg, state } = fresh('basic');
    writeTree(cfg, treeFiles('10.66.0.1', 1111, 'IN BOGUS -p tcp\n'));
    // no periodic resync here: edits must arrive through the directory watches
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state, args: ['--resync', '3600'] });
    await until(has('10.66.0.1', 1111), 15000, 'first apply');
    const diag = await running.waitLog((l) => l.event === 'diagnostic');
    expect(diag).toMatchObject({ file: 'nodes/pve1/host.fw', line: 6, severity: 'error' });
    expect(diag.msg).toMatch(/^nodes\/pve1\/host\.fw:6:\d+: error /);
    // the kernel can hold the ruleset before the daemon has saved it: wait for the cycle to end
    await until(async () => !(await running!.status()).pending, 5000, 'cycle finished');
    const st = await running.status();
    expect(st).toMatchObject({ running: true, backend: 'nft', healthy: true, generation: 1, pending: false });
    expect(st.diagnostics[0]).toMatch(/^nodes\/pve1\/host\.fw:6:/);
    const m = await running.http('/metrics');
    expect(metricValue(m.body, 'fwctl_config_diagnostics', 'severity="error"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m.body, 'fwctl_generation')).toBe(1);
    expect(metricValue(m.body, 'fwctl_ruleset_rules')).toBeGreaterThan(5);
    expect((await running.http('/healthz')).status).toBe(200);

    // an edit is picked up by the watcher; the log says which files changed
    writeTree(cfg, treeFiles('10.66.0.2', 1112));
    await until(has('10.66.0.2', 1112), 5000, 'edit applied');
    const applied = await running.waitLog((l) => l.event === 'apply' && (l.generation as number) === 2);
    expect(applied.files).toEqual(['firewall/cluster.fw', 'nodes/pve1/host.fw']);
    expect(applied.mode).toBe('incremental');

    const { code, ms } = await running.stop();
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2000);
    expect(kernelTable(NS)).toContain('10.66.0.2');
  });

  it('--strict: a config with errors keeps the running ruleset (503, errors in /metrics and status) until a good one comes', async () => {
    const { cfg, state } = fresh('strict');
    writeTree(cfg, treeFiles('10.66.0.3', 1113));
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state, args: ['--strict'] });
    await until(has('10.66.0.3', 1113), 15000, 'first apply');
    writeTree(cfg, treeFiles('10.66.0.4', 1114, 'IN ACCEPT -p tcp -dport 99999\n'));
    const failed = await running.waitLog((l) => l.event === 'apply-failed');
    expect(failed.kind).toBe('strict');
    expect(failed.msg).toMatch(/nodes\/pve1\/host\.fw:6:\d+/);
    expect(kernelTable(NS)).toContain('10.66.0.3');
    expect(kernelTable(NS)).not.toContain('10.66.0.4');
    const st = await running.status();
    expect(st.healthy).toBe(false);
    expect(st.lastApply?.error?.kind).toBe('strict');
    expect(st.diagnostics.some((d) => d.startsWith('nodes/pve1/host.fw:6:'))).toBe(true);
    const m = await running.http('/metrics');
    expect(metricValue(m.body, 'fwctl_errors_total', 'kind="strict"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(m.body, 'fwctl_last_apply_success')).toBe(0);
    const h = await running.http('/healthz');
    expect(h.status).toBe(503);
    expect(JSON.parse(h.body)).toMatchObject({ ok: false, error: 'E_STRICT' });

    writeTree(cfg, treeFiles('10.66.0.5', 1115));
    await until(has('10.66.0.5', 1115), 5000, 'good config applied');
    expect((await running.http('/healthz')).status).toBe(200);
  });

  it('nft failing: keeps the old ruleset, reports apply errors, recovers when nft works again', async () => {
    const { cfg, state } = fresh('nftfail');
    const bin = join(base, 'bin');
    mkdirSync(bin, { recursive: true });
    const flag = join(base, 'nft-broken');
    rmrf(flag);
    writeFileSync(join(bin, 'nft'), `#!/bin/sh\nif [ -e ${flag} ]; then echo "Error: Could not process rule: Operation not permitted" >&2; exit 1; fi\nexec /usr/sbin/nft "$@"\n`);
    chmodSync(join(bin, 'nft'), 0o755);
    writeTree(cfg, treeFiles('10.66.0.6', 1116));
    // the broken nft is a program on PATH: the daemon must use the nft CLI here, not libnftables
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state, env: { PATH: `${bin}:${process.env.PATH ?? ''}`, FWCTL_NFT: 'cli' } });
    await until(has('10.66.0.6', 1116), 15000, 'first apply');
    writeFileSync(flag, '');
    writeTree(cfg, treeFiles('10.66.0.7', 1117));
    const failed = await running.waitLog((l) => l.event === 'apply-failed');
    expect(['check', 'apply']).toContain(failed.kind);
    expect(failed.code).toMatch(/^E_NFT_/);
    expect(kernelTable(NS)).toContain('10.66.0.6');
    const m = await running.http('/metrics');
    expect((metricValue(m.body, 'fwctl_errors_total', 'kind="check"') ?? 0) + (metricValue(m.body, 'fwctl_errors_total', 'kind="apply"') ?? 0)).toBeGreaterThanOrEqual(1);
    expect((await running.http('/healthz')).status).toBe(503);
    rmrf(flag);
    await until(has('10.66.0.7', 1117), 5000, 'recovery on resync');
    await until(async () => (await running!.status()).healthy, 5000, 'healthy again'); // the kernel changes just before the daemon hears back

  });

  it('config dir removed: keeps enforcing, reports, converges when it comes back', async () => {
    const { cfg, state } = fresh('vanish');
    writeTree(cfg, treeFiles('10.66.0.8', 1118));
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
    await until(has('10.66.0.8', 1118), 15000, 'first apply');
    rmrf(cfg);
    await running.waitLog((l) => l.event === 'tree-unavailable');
    expect(kernelTable(NS)).toContain('10.66.0.8');
    const st = await running.status();
    expect(st.tree.available).toBe(false);
    expect(st.healthy).toBe(false);
    const m = await running.http('/metrics');
    expect(metricValue(m.body, 'fwctl_config_tree_available')).toBe(0);
    // an empty directory (an unmounted /etc/pve) is not "no config" either
    mkdirSync(cfg);
    await new Promise((r) => setTimeout(r, 1500));
    expect(kernelTable(NS)).toContain('10.66.0.8');
    writeTree(cfg, treeFiles('10.66.0.9', 1119));
    await until(has('10.66.0.9', 1119), 5000, 'converged after the tree returned');
    expect((await running.status()).tree.available).toBe(true);
  });

  it('1,000 config writes in 10 s are coalesced and converge to the last', async () => {
    const { cfg, state } = fresh('storm');
    writeTree(cfg, treeFiles('10.66.1.0', 2000));
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
    await until(has('10.66.1.0', 2000), 15000, 'first apply');
    const t0 = Date.now();
    for (let i = 1; i <= 1000; i++) {
      writeTree(cfg, { 'firewall/cluster.fw': treeFiles(`10.66.${1 + (i >> 8)}.${i & 0xff}`, 2000)['firewall/cluster.fw']! });
      const due = t0 + i * 10;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    expect(Date.now() - t0).toBeLessThan(12000);
    await until(() => kernelTable(NS).includes('10.66.4.232'), 5000, 'last write applied'); // i = 1000
    const t = kernelTable(NS);
    expect(t).not.toContain('10.66.4.231');
    const m = await running.http('/metrics');
    const applies = metricValue(m.body, 'fwctl_applies_total', 'result="ok",mode="incremental"') ?? 0;
    expect(applies).toBeGreaterThan(1);
    expect(applies).toBeLessThan(1000);
  }, 60_000);

  it('state dir unwritable: keeps applying, reports it, saves again when writable', async () => {
    const { cfg, state } = fresh('state');
    writeTree(cfg, treeFiles('10.66.2.1', 2101));
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
    await until(has('10.66.2.1', 2101), 15000, 'first apply');
    await until(() => existsSync(join(state, 'last-good.json')), 5000, 'state saved');
    execFileSync('chattr', ['+i', state]);
    writeTree(cfg, treeFiles('10.66.2.2', 2102));
    await until(has('10.66.2.2', 2102), 5000, 'apply despite the state dir');
    await running.waitLog((l) => l.event === 'state-unwritable');
    const st = await running.status();
    expect(st.stateError).toMatch(/^EPERM/);
    const m = await running.http('/metrics');
    expect(metricValue(m.body, 'fwctl_errors_total', 'kind="state"')).toBeGreaterThanOrEqual(1);
    execFileSync('chattr', ['-i', state]);
    await running.waitLog((l) => l.event === 'state-saved', 5000);
    expect(readFileSync(join(state, 'last-good.json'), 'utf8')).toContain('10.66.2.2');
    expect((await running.status()).stateError).toBeNull();
  });

  it('restart: reapplies the last good ruleset before the first compile, even with the tree gone; SIGHUP reloads', async () => {
    const { cfg, state } = fresh('restart');
    writeTree(cfg, treeFiles('10.66.3.1', 3101));
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
    await until(has('10.66.3.1', 3101), 15000, 'first apply');
    await until(() => existsSync(join(state, 'last-good.json')), 5000, 'state saved');
    await running.stop();
    execFileSync('ip', ['netns', 'exec', NS, 'nft', 'flush', 'ruleset']);
    rmrf(cfg);
    running = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
    await running.waitLog((l) => l.event === 'restore');
    expect(kernelTable(NS)).toContain('10.66.3.1');
    await running.waitLog((l) => l.event === 'tree-unavailable');
    expect(kernelTable(NS)).toContain('10.66.3.1');

    writeTree(cfg, treeFiles('10.66.3.2', 3102));
    await until(has('10.66.3.2', 3102), 5000, 'converged');
    await running.waitLog((l) => l.event === 'apply' && (l.files as string[]).length > 0);
    // SIGHUP: recompiles at once even with nothing changed (a no-op apply)
    running.proc.kill('SIGHUP');
    await running.waitLog((l) => l.event === 'apply' && l.mode === 'noop', 3000);
  });
});
