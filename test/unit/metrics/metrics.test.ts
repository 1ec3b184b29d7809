import { Gauge } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { parseListen, startMetricsServer, type MetricsServer } from '../../../src/metrics/server.js';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('MetricsRegistry', () => {
  it('declares every fwctl metric, diagnostics by severity at 0', async () => {
    const text = await new MetricsRegistry().scrape();
    for (const name of [
      'fwctl_applies_total', 'fwctl_apply_duration_seconds', 'fwctl_errors_total', 'fwctl_generation',
      'fwctl_last_success_timestamp_seconds', 'fwctl_ruleset_rules', 'fwctl_ruleset_sets', 'fwctl_ruleset_elements',
    ]) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain('fwctl_config_diagnostics{severity="error"} 0');
  });

  it('collectors refresh metrics added by other modules before each scrape', async () => {
    const reg = new MetricsRegistry();
    const g = reg.registerMetric(new Gauge({ name: 'fwctl_guest_test', help: 't', registers: [] }));
    let n = 0;
    const off = reg.registerCollector('guests', () => {
      g.set(++n);
    });
    expect(await reg.scrape()).toContain('fwctl_guest_test 1');
    expect(await reg.scrape()).toContain('fwctl_guest_test 2');
    off();
    expect(await reg.scrape()).toContain('fwctl_guest_test 2');
  });

  it('a throwing or hanging collector never fails or stalls a scrape', async () => {
    const reg = new MetricsRegistry(50);
    reg.registerCollector('bad', () => {
      throw new Error('boom');
    });
    reg.registerCollector('slow', () => new Promise(() => undefined));
    const t0 = performance.now();
    expect(await reg.scrape()).toContain('fwctl_generation');
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('metrics HTTP server', () => {
  it('serves /metrics, /healthz 200/503 with a JSON body, 404 and 405', async () => {
    const reg = new MetricsRegistry();
    reg.m.generation.set(4);
    let ok = true;
    server = await startMetricsServer('127.0.0.1:0', reg, () => ({ ok, body: { ok, generation: 4 } }));
    const url = `http://127.0.0.1:${server.address.port}`;
    const m = await fetch(`${url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await m.text()).toContain('fwctl_generation 4');
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true, generation: 4 });
    ok = false;
    const h = await fetch(`${url}/healthz`);
    expect(h.status).toBe(503);
    expect(await h.json()).toMatchObject({ ok: false });
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('a port in use is a typed ListenError', async () => {
    const reg = new MetricsRegistry();
    server = await startMetricsServer('127.0.0.1:0', reg, () => ({ ok: true, body: {} }));
    await expect(startMetricsServer(`127.0.0.1:${server.address.port}`, reg, () => ({ ok: true, body: {} }))).rejects.toMatchObject({ name: 'ListenError', code: 'EADDRINUSE' });
  });

  it('parses listen addresses', () => {
    expect(parseListen('127.0.0.1:9750')).toEqual({ host: '127.0.0.1', port: 9750 });
    expect(parseListen('[::1]:9750')).toEqual({ host: '::1', port: 9750 });
    expect(parseListen(':9750')).toEqual({ host: '127.0.0.1', port: 9750 });
    for (const bad of ['9750', '127.0.0.1', '1.2.3.4:70000', '::1:9750']) expect(() => parseListen(bad)).toThrow(/listen address/);
  });
});
