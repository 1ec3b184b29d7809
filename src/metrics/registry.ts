/**
 * The one metrics registry. Every fwctl metric is declared here; other modules (guest and rule
 * counters) add theirs with `registerMetric` and refresh them with `registerCollector`.
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

export type ErrorKind = 'read' | 'compile' | 'check' | 'apply' | 'state' | 'lockout' | 'strict';

export function declareMetrics(registry: Registry) {
  const registers = [registry];
  return {
    applies: new Counter({ name: 'fwctl_applies_total', help: 'Apply attempts by result and mode', labelNames: ['result', 'mode'] as const, registers }),
    applyDuration: new Histogram({
      name: 'fwctl_apply_duration_seconds',
      help: 'Duration of a committed apply (nft check and commit)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    reloadDuration: new Histogram({
      name: 'fwctl_reload_duration_seconds',
      help: 'Config change to kernel: read, compile and apply',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    errors: new Counter({ name: 'fwctl_errors_total', help: 'Failures by kind', labelNames: ['kind'] as const, registers }),
    generation: new Gauge({ name: 'fwctl_generation', help: 'Number of rulesets committed by this daemon (persisted)', registers }),
    lastSuccess: new Gauge({ name: 'fwctl_last_success_timestamp_seconds', help: 'Unix time of the last successful apply', registers }),
    lastApplyOk: new Gauge({ name: 'fwctl_last_apply_success', help: '1 when the last apply attempt succeeded', registers }),
    treeAvailable: new Gauge({ name: 'fwctl_config_tree_available', help: '1 when the config tree could be read', registers }),
    rules: new Gauge({ name: 'fwctl_ruleset_rules', help: 'Rules in the enforced ruleset', registers }),
    chains: new Gauge({ name: 'fwctl_ruleset_chains', help: 'Chains in the enforced ruleset', registers }),
    sets: new Gauge({ name: 'fwctl_ruleset_sets', help: 'Named sets and maps in the enforced ruleset', registers }),
    elements: new Gauge({ name: 'fwctl_ruleset_elements', help: 'Set and map elements in the enforced ruleset', registers }),
    diagnostics: new Gauge({ name: 'fwctl_config_diagnostics', help: 'Diagnostics of the last config read, by severity', labelNames: ['severity'] as const, registers }),
  };
}

export type Metrics = ReturnType<typeof declareMetrics>;

/** Refreshes metric values right before a scrape. */
export type Collector = () => void | Promise<void>;

export class MetricsRegistry {
  readonly registry = new Registry();
  readonly m: Metrics = declareMetrics(this.registry);
  private readonly collectors: { name: string; fn: Collector }[] = [];
  private readonly expositions: { name: string; render: () => string }[] = [];

  constructor(readonly collectTimeoutMs = 2000) {
    for (const s of ['error', 'warning', 'info'] as const) this.m.diagnostics.set({ severity: s }, 0);
  }

  registerMetric<T extends Metric>(metric: T): T {
    this.registry.registerMetric(metric);
    return metric;
  }

  /** Returns an unregister function. A collector that throws or is slow never fails a scrape. */
  registerCollector(name: string, fn: Collector): () => void {
    const entry = { name, fn };
    this.collectors.push(entry);
    return () => {
      const i = this.collectors.indexOf(entry);
      if (i >= 0) this.collectors.splice(i, 1);
    };
  }

  /**
   * Text-format families rendered outside prom-client (see text.ts: only for per-rule series, whose
   * serialisation by prom-client costs too much per scrape), appended after prom-client's output.
   * Their names must not be declared in prom-client too. Returns an unregister function.
   */
  registerExposition(name: string, render: () => string): () => void {
    const entry = { name, render };
    this.expositions.push(entry);
    return () => {
      const i = this.expositions.indexOf(entry);
      if (i >= 0) this.expositions.splice(i, 1);
    };
  }

  /** Runs the collectors (in parallel, bounded by collectTimeoutMs), then renders text format. */
  async scrape(): Promise<string> {
    await Promise.all(this.collectors.map((c) => bounded(c.fn, this.collectTimeoutMs)));
    const text = await this.registry.metrics();
    return this.expositions.length ? text + this.expositions.map((e) => e.render()).join('') : text;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

async function bounded(fn: Collector, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  try {
    await Promise.race([Promise.resolve().then(fn), timeout]);
  } catch {
    // a failing collector leaves its metrics stale; the rest of the scrape is still served
  } finally {
    clearTimeout(timer);
  }
}

/** The process-wide registry that the daemon serves. */
export const metricsRegistry = new MetricsRegistry();

export function registerMetric<T extends Metric>(metric: T): T {
  return metricsRegistry.registerMetric(metric);
}

export function registerCollector(name: string, fn: Collector): () => void {
  return metricsRegistry.registerCollector(name, fn);
}
