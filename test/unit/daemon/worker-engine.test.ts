import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { WorkerEngine } from '../../../src/daemon/worker-engine.js';

// Only paths that stop before nft: these tests never touch the kernel.
let dir: string;
let engine: WorkerEngine | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fwctl-unit-worker-'));
});
afterEach(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

const make = (configDir: string) =>
  new WorkerEngine({
    configDir, stateDir: join(dir, 'state'), node: 'pve1', common: { node: 'pve1', hostIp: '10.9.0.1', localNetwork: '10.9.0.0/24' },
    compileFacts: { bridgeConntrack: false }, strict: true,
  });

it('runs the engine on a worker thread: restore, unavailable tree, strict refusal with diagnostics', async () => {
  engine = make(join(dir, 'absent'));
  expect(await engine.restore()).toEqual({ kind: 'none' });
  expect(await engine.cycle({ force: true, retry: false })).toMatchObject({ kind: 'unavailable', code: 'ENOENT' });

  const cfg = join(dir, 'cfg');
  mkdirSync(join(cfg, 'firewall'), { recursive: true });
  writeFileSync(join(cfg, 'firewall/cluster.fw'), '[OPTIONS]\nenable: 1\n\n[RULES]\nIN BOGUS\n');
  await engine.close();
  engine = make(cfg);
  const r = await engine.cycle({ force: true, retry: false });
  expect(r).toMatchObject({ kind: 'failed', error: { kind: 'strict', code: 'E_STRICT' } });
  expect(r.kind === 'failed' && r.diagnostics?.[0]).toMatchObject({ file: 'firewall/cluster.fw', line: 5, severity: 'error' });
}, 30_000);
