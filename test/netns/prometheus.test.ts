import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/index.js';
import { startKernelCounters, type KernelCounters } from '../../src/kernel/counters.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { startMetricsServer, type MetricsServer } from '../../src/metrics/server.js';
import { OUTSIDE_IP, pings, quietLab } from './counters-lab.js';

const N = 7;

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('Prometheus exposition of guest counters', () => {
  let lab: Lab;
  let kc: KernelCounters;
  let server: MetricsServer;
  let prom: ChildProcess | undefined;
  let dir: string;
  const reg = new MetricsRegistry();

  beforeAll(async () => {
    lab = await quietLab('fwtest-f2');
    kc = await startKernelCounters(reg, { netns: lab.host });
    server = await startMetricsServer('127.0.0.1:0', reg, () => ({ ok: true, body: {} }));
    dir = await mkdtemp(join(tmpdir(), 'fwtest-f-prom-'));
  });

  afterAll(async () => {
    prom?.kill('SIGKILL');
    kc?.stop();
    await server?.close();
    await lab?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('passes promtool check metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).text();
    expect(text).toContain('fwctl_guest_transmit_packets_total{vmid="100"');
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
  });

  it('is scraped by a real Prometheus server that answers a PromQL query over a guest counter', async () => {
    const before = await reg.scrape();
    const base = Number(/fwctl_guest_transmit_packets_total\{[^}]*iface="tap100i0"[^}]*\} (\d+)/.exec(before)?.[1]);
    expect(await pings(lab, lab.guestNs(100), OUTSIDE_IP, N)).toBe(N);
    const port = await freePort();
    await writeFile(join(dir, 'prometheus.yml'), [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      'scrape_configs:',
      '  - job_name: fwctl',
      `    static_configs: [ { targets: ["127.0.0.1:${server.address.port}"] } ]`,
      '',
    ].join('\n'));
    prom = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`, '--log.level=error',
    ], { stdio: 'ignore' });
    const query = encodeURIComponent('sum by (vmid) (fwctl_guest_transmit_packets_total{vmid="100",nic="net0",bridge="vmbr0"})');
    let value: number | undefined;
    for (let i = 0; i < 60 && value === undefined; i++) {
      await new Promise((r) => setTimeout(r, 500));
      try {
        const body = (await (await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${query}`)).json()) as {
          data?: { result?: { value: [number, string] }[] };
        };
        const v = body.data?.result?.[0]?.value[1];
        if (v !== undefined) value = Number(v);
      } catch {
        // not listening yet
      }
    }
    expect(value).toBe(base + N);
  });
});
