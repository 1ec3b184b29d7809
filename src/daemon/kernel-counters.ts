/**
 * The daemon's kernel counters (src/kernel/counters.ts) on the main thread, fed after each commit
 * with the worker's CounterFacts. eBPF is optional: when it cannot load or attach, the daemon
 * logs it, counts it in `fwctl_ebpf_errors_total{stage}` and goes on with link and nft counters.
 */
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { CounterFacts } from '../kernel/ruleset-facts.js';
import { startKernelCounters, type KernelCounters } from '../kernel/counters.js';
import { BPF_FS, DEFAULT_PIN_DIR } from '../kernel/ebpf.js';
import type { MetricsRegistry } from '../metrics/registry.js';

/** Pins of a daemon bound to a named namespace (labs, tests) live apart from the host's. */
export function pinDirFor(netns: string | undefined): string {
  return netns ? `${BPF_FS}/fwctl-${netns}` : DEFAULT_PIN_DIR;
}

export interface DaemonCounters {
  update(view: CounterFacts): void;
  stop(): void;
}

export async function startDaemonCounters(registry: MetricsRegistry, log: Logger, o: { netns?: string; ebpf: boolean }): Promise<DaemonCounters | undefined> {
  const failures = registry.registerMetric(new Counter({ name: 'fwctl_ebpf_errors_total', help: 'eBPF load or attach failures (the daemon goes on without them)', labelNames: ['stage'] as const, registers: [] }));
  const netns = o.netns === undefined ? {} : { netns: o.netns };
  let kc: KernelCounters | undefined;
  if (o.ebpf) {
    try {
      kc = await startKernelCounters(registry, { ...netns, ebpf: { ...netns, pinDir: pinDirFor(o.netns) } });
    } catch (e) {
      failures.inc({ stage: 'load' });
      log.error({ event: 'ebpf', stage: 'load', code: (e as { code?: string }).code }, `eBPF unavailable, counting without it: ${(e as Error).message}`);
    }
  }
  try {
    kc ??= await startKernelCounters(registry, netns);
  } catch (e) {
    log.error({ event: 'counters', code: (e as { code?: string }).code }, `kernel counters unavailable: ${(e as Error).message}`);
    return undefined;
  }
  const counters = kc;
  let chain = Promise.resolve();
  return {
    update(view) {
      // one update at a time, in commit order
      chain = chain.then(async () => {
        try {
          const r = await counters.update(view);
          const failed = r ? [...r.ports.failed, ...r.uplinks.failed] : [];
          if (failed.length) {
            failures.inc({ stage: 'attach' }, failed.length);
            log.warn({ event: 'ebpf', stage: 'attach', failed: failed.slice(0, 20) }, `eBPF programs not attached on ${failed.length} link(s)`);
          }
        } catch (e) {
          failures.inc({ stage: 'update' });
          log.error({ event: 'ebpf', stage: 'update', code: (e as { code?: string }).code }, `kernel counters not updated: ${(e as Error).message}`);
        }
      });
    },
    stop: () => counters.stop(),
  };
}
