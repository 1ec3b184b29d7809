import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NftApplier, NftError } from '../../../src/apply/index.js';
import { FakeNft } from '../../../src/backend/fake/index.js';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { Daemon } from '../../../src/daemon/daemon.js';
import { InlineEngine, type Engine, type EngineDeps } from '../../../src/daemon/engine.js';
import type { SourceRead } from '../../../src/daemon/source.js';
import { loadLastGood } from '../../../src/daemon/state-store.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';

const tree = (elem: string, extra = ''): Record<string, string> => ({
  'firewall/cluster.fw': `[OPTIONS]\nenable: 1\n\n[IPSET blocked]\n${elem}\n\n[RULES]\nIN DROP -source +blocked\n`,
  'nodes/pve1/host.fw': `[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 2222\n${extra}`,
});

/** A tree source over a mutable map, or "unreadable"; counts reads. */
class Source {
  files: Record<string, string> | 'gone' = tree('10.66.0.1');
  reads = 0;
  read = (): SourceRead => {
    this.reads++;
    if (this.files === 'gone') return { ok: false, code: 'ENOENT', path: '/cfg', message: 'gone' };
    const { tree: t, diagnostics } = loadTree(new MemoryTree(new Map(Object.entries(this.files))), 'pve1');
    const hashes = Object.fromEntries(Object.entries(this.files).map(([k, v]) => [k, v]));
    return { ok: true, tree: t, diagnostics, hashes };
  };
}

let stateDir: string;
let fake: FakeNft;
let src: Source;
let metrics: MetricsRegistry;
let lines: Record<string, unknown>[];

function makeDaemon(over: Partial<EngineDeps> & { debounceMs?: number; maxDelayMs?: number; persistQuietMs?: number; wrap?: (e: Engine) => Engine } = {}): Daemon {
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const { debounceMs = 20, maxDelayMs = 200, persistQuietMs = 0, wrap = (e: Engine) => e, ...eng } = over;
  const engine = new InlineEngine({
    configDir: '/cfg', stateDir, node: 'pve1', applier: new NftApplier({ backend: fake }),
    facts: (now) => ({ node: 'pve1', hostIPv4: '10.9.0.1', localNetwork: '10.9.0.0/24', now }),
    compileFacts: { bridgeConntrack: false }, read: src.read, ...eng,
  });
  return new Daemon({ configDir: '/cfg', stateDir: eng.stateDir ?? stateDir, engine: wrap(engine), log, metrics, debounceMs, maxDelayMs, persistQuietMs });
}

const elements = (): string => JSON.stringify([...fake.kernel.get('inet fwctl')?.sets.keys() ?? []].map((s) => fake.elements('inet', 'fwctl', s)));
const metric = async (name: string, labels = ''): Promise<number | undefined> => {
  const line = (await metrics.scrape()).split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
};

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!cond()) throw new Error('condition not reached');
}

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'fwctl-unit-daemon-'));
  fake = new FakeNft();
  src = new Source();
  metrics = new MetricsRegistry();
  lines = [];
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

describe('Daemon', () => {
  it('applies at start, persists the last good ruleset with source hashes, counts a generation', async () => {
    const d = makeDaemon();
    await d.start();
    expect(elements()).toContain('10.66.0.1');
    const lg = loadLastGood(stateDir);
    expect(lg?.generation).toBe(1);
    expect(Object.keys(lg!.hashes).sort()).toEqual(['firewall/cluster.fw', 'nodes/pve1/host.fw']);
    expect(d.status()).toMatchObject({ healthy: true, generation: 1, pending: false, lastApply: { ok: true, mode: 'full' } });
    expect(await metric('fwctl_generation')).toBe(1);
    expect(await metric('fwctl_applies_total', 'result="ok",mode="full"')).toBe(1);
    await d.stop();
  });

  it('coalesces a burst of change events into one more cycle and ends at the last content', async () => {
    const d = makeDaemon();
    await d.start();
    const before = src.reads;
    for (let i = 0; i < 200; i++) {
      src.files = tree(`10.66.1.${i}`);
      d.notify();
    }
    expect(d.status().pending).toBe(true);
    await new Promise((r) => setTimeout(r, 150));
    expect(src.reads - before).toBe(1);
    expect(elements()).toContain('10.66.1.199');
    expect(elements()).not.toContain('10.66.1.198');
    expect(d.status()).toMatchObject({ generation: 2, pending: false, lastApply: { mode: 'incremental' } });
    await d.stop();
  });

  it('the debounce never delays a cycle past maxDelayMs while events keep coming', async () => {
    const d = makeDaemon({ debounceMs: 50, maxDelayMs: 120 });
    await d.start();
    const before = src.reads;
    const t0 = Date.now();
    while (Date.now() - t0 < 400) {
      d.notify();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(src.reads - before).toBeGreaterThanOrEqual(2);
    await d.stop();
  });

  it('a debounce that fires after the loop already took its change does not wedge the loop', async () => {
    // the change arrives while a cycle runs; the loop goes round once more for it and ends;
    // then the debounce timer fires with nothing to do. Every later event must still run a cycle.
    let gate: (() => void) | undefined;
    const d = makeDaemon({
      debounceMs: 20,
      wrap: (e) => ({
        restore: () => e.restore(), persist: () => e.persist(), close: () => e.close(),
        cycle: async (req) => {
          if (gate === undefined) await new Promise<void>((r) => (gate = r));
          return e.cycle(req);
        },
      }),
    });
    const started = d.start();
    await until(() => gate !== undefined);
    gate!();
    await started;
    gate = undefined;
    const held = d.resync();
    await until(() => gate !== undefined);
    src.files = tree('10.66.2.1');
    d.notify(); // the debounce is armed for 20 ms
    const release = gate!;
    gate = () => undefined; // later cycles pass straight through
    release();
    await held;
    expect(elements()).toContain('10.66.2.1'); // the loop took the change itself
    await new Promise((r) => setTimeout(r, 60)); // the debounce fires: nothing left to do
    expect(d.status().pending).toBe(false);
    src.files = tree('10.66.2.2');
    const before = src.reads;
    await d.resync();
    expect(src.reads).toBe(before + 1);
    expect(elements()).toContain('10.66.2.2');
    expect(d.status().pending).toBe(false);
    await d.stop();
  });

  it('saves the last good ruleset after a quiet spell, never before applying a pending change; stop() saves at once', async () => {
    const d = makeDaemon({ persistQuietMs: 150 });
    await d.start();
    expect(loadLastGood(stateDir)?.generation).toBe(1); // the first apply is saved at once
    src.files = tree('10.66.3.1');
    await d.resync();
    expect(elements()).toContain('10.66.3.1');
    expect(loadLastGood(stateDir)?.generation).toBe(1); // applied, not saved yet
    await new Promise((r) => setTimeout(r, 80));
    src.files = tree('10.66.3.2'); // a change within the quiet spell goes first
    await d.resync();
    expect(loadLastGood(stateDir)?.generation).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(loadLastGood(stateDir)?.generation).toBe(3);
    src.files = tree('10.66.3.3');
    await d.resync();
    expect(loadLastGood(stateDir)?.generation).toBe(3);
    await d.stop();
    expect(loadLastGood(stateDir)?.generation).toBe(4);
    expect(JSON.stringify(loadLastGood(stateDir)?.applied)).toContain('10.66.3.3');
  });

  it('passes the files named by change events to the cycle; a nameless event, a resync or a reload means every file', async () => {
    const reqs: (string[] | undefined)[] = [];
    const d = makeDaemon({
      debounceMs: 10,
      wrap: (e) => ({ restore: () => e.restore(), persist: () => e.persist(), close: () => e.close(), cycle: (req) => (reqs.push(req.changed), e.cycle(req)) }),
    });
    await d.start();
    expect(reqs).toEqual([undefined]);
    const settle = () => new Promise((r) => setTimeout(r, 60));
    d.notify('/cfg/firewall/100.fw');
    d.notify('/cfg/firewall/cluster.fw');
    await settle();
    expect(reqs[1]?.sort()).toEqual(['/cfg/firewall/100.fw', '/cfg/firewall/cluster.fw']);
    d.notify('/cfg/firewall/100.fw');
    d.notify();
    await settle();
    expect(reqs[2]).toBeUndefined();
    d.notify('/cfg/firewall/101.fw');
    await settle();
    expect(reqs[3]).toEqual(['/cfg/firewall/101.fw']); // the set starts empty again
    await d.resync();
    await d.reload();
    expect(reqs.slice(4)).toEqual([undefined, undefined]);
    // a cycle that found the tree unreadable may not have read its files: the next reads them all
    src.files = 'gone';
    d.notify('/cfg/firewall/102.fw');
    await settle();
    expect(reqs[6]).toEqual(['/cfg/firewall/102.fw']);
    src.files = tree('10.66.0.1');
    d.notify('/cfg/firewall/103.fw');
    await settle();
    expect(reqs[7]).toBeUndefined();
    await d.stop();
  });

  it('an unreadable tree keeps the ruleset, reports it, and converges when it returns', async () => {
    const d = makeDaemon();
    await d.start();
    src.files = 'gone';
    await d.resync();
    expect(elements()).toContain('10.66.0.1');
    expect(d.status()).toMatchObject({ healthy: false, tree: { available: false } });
    expect(await metric('fwctl_config_tree_available')).toBe(0);
    expect(await metric('fwctl_errors_total', 'kind="read"')).toBe(1);
    src.files = tree('10.66.0.2');
    await d.resync();
    expect(elements()).toContain('10.66.0.2');
    expect(d.status()).toMatchObject({ healthy: true, tree: { available: true } });
    await d.stop();
  });

  it('nft failure keeps the ruleset; the next resync retries the same sources', async () => {
    const real = new NftApplier({ backend: fake });
    let broken = false;
    const d = makeDaemon({
      applier: { apply: (r, o) => (broken ? Promise.reject(new NftError('E_NFT_APPLY', 1, 'Error: Operation not permitted', 'EPERM')) : real.apply(r, o)) },
    });
    await d.start();
    src.files = tree('10.66.0.3');
    broken = true;
    await d.resync();
    expect(elements()).toContain('10.66.0.1');
    expect(d.status().lastApply).toMatchObject({ ok: false, error: { kind: 'apply', code: 'E_NFT_APPLY' } });
    expect(lines.some((l) => l.event === 'apply-failed' && l.kind === 'apply')).toBe(true);
    broken = false;
    await d.resync(); // nothing changed on disk, but the last attempt failed: try again
    expect(elements()).toContain('10.66.0.3');
    expect(d.healthy).toBe(true);
    await d.stop();
  });

  it('skips compiling when no source changed; reload() recompiles (a no-op apply)', async () => {
    const d = makeDaemon();
    await d.start();
    const sent = fake.log.length;
    await d.resync();
    expect(fake.log.length).toBe(sent);
    expect(d.status().lastApply?.mode).toBe('full');
    await d.reload();
    expect(d.status().lastApply?.mode).toBe('noop');
    expect(d.status().generation).toBe(1);
    await d.stop();
  });

  it('strict mode refuses error diagnostics; diagnostics are logged with file:line:col and counted', async () => {
    const d = makeDaemon({ strict: true });
    await d.start();
    src.files = tree('10.66.0.4', 'IN BOGUS\n');
    await d.resync();
    expect(elements()).not.toContain('10.66.0.4');
    expect(d.status().lastApply?.error?.kind).toBe('strict');
    expect(await metric('fwctl_config_diagnostics', 'severity="error"')).toBeGreaterThanOrEqual(1);
    const diag = lines.find((l) => l.event === 'diagnostic');
    expect(diag).toMatchObject({ file: 'nodes/pve1/host.fw', line: 6 });
    expect(String(diag?.msg)).toMatch(/^nodes\/pve1\/host\.fw:6:\d+: error /);
    await d.stop();
  });

  it('repeated identical errors are logged once per minute', async () => {
    const d = makeDaemon();
    await d.start();
    src.files = 'gone';
    for (let i = 0; i < 5; i++) await d.resync();
    expect(lines.filter((l) => l.event === 'tree-unavailable')).toHaveLength(1);
    await d.stop();
  });

  it('start reapplies the last good ruleset (full) before reading the tree', async () => {
    await makeDaemon().start();
    fake.kernel = new Map(); // a reboot
    src.files = 'gone';
    const d = makeDaemon();
    await d.start();
    expect(elements()).toContain('10.66.0.1');
    expect(lines.find((l) => l.event === 'restore')).toMatchObject({ generation: 1 });
    expect(d.status().generation).toBe(1);
    await d.stop();
  });

  it('refuses a ruleset that would cut the guarded SSH session', async () => {
    const d = makeDaemon({ ssh: { session: { clientIp: '10.50.0.9', clientPort: 40000, serverIp: '10.9.0.1', serverPort: 22 }, ingress: { iface: 'eth0' } } });
    await d.start();
    expect(fake.kernel.size).toBe(0);
    expect(d.status().lastApply?.error).toMatchObject({ kind: 'lockout', code: 'E_LOCKOUT' });
    src.files = tree('10.66.0.5', 'IN ACCEPT -source 10.50.0.9 -p tcp -dport 22\n');
    await d.resync();
    expect(elements()).toContain('10.66.0.5');
    await d.stop();
  });

  it('an unwritable state dir is reported and the save retried on the next cycle', async () => {
    const d = makeDaemon({ stateDir: join(stateDir, 'missing', 'deeper') });
    await d.start();
    expect(elements()).toContain('10.66.0.1');
    expect(d.status().stateError).toMatch(/^ENOENT/);
    expect(await metric('fwctl_errors_total', 'kind="state"')).toBe(1);
    await d.stop();
  });
  it('`enable: <timestamp>` turns itself off after 60 s: the daemon recompiles when the window closes', async () => {
    const since = Math.floor(Date.now() / 1000) - 59;
    src.files = { ...tree('10.66.0.6'), 'firewall/cluster.fw': tree('10.66.0.6')['firewall/cluster.fw']!.replace('enable: 1', `enable: ${since}`) };
    const d = makeDaemon();
    await d.start();
    expect(elements()).toContain('10.66.0.6');
    await new Promise((r) => setTimeout(r, (since + 61) * 1000 - Date.now() + 300));
    await d.resync();
    expect(fake.kernel.size).toBe(0);
    expect(d.status()).toMatchObject({ healthy: true, generation: 2 });
    await d.stop();
  }, 10_000);
});
