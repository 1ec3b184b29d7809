import type { Logger } from 'pino';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import type { CounterFacts } from '../kernel/ruleset-facts.js';
import type { ErrorKind, MetricsRegistry } from '../metrics/registry.js';
import type { RulesetStats } from './build.js';
import type { CycleResult, Engine, Failure, Persisted } from './engine.js';
import { RateLimiter } from './rate-limit.js';
import type { DaemonStatus } from './status.js';

export interface DaemonDeps {
  configDir: string;
  stateDir: string;
  engine: Engine;
  log: Logger;
  metrics: MetricsRegistry;
  debounceMs?: number;
  maxDelayMs?: number;
  now?: () => number;
  /**
   * Saving the last good ruleset (megabytes at 1,000 guests) waits for this much quiet after an
   * apply, so that a change arriving meanwhile is applied first; default 1000 ms.
   */
  persistQuietMs?: number;
  /** ...but never longer than this after the first unsaved apply; default 10,000 ms. */
  persistMaxDelayMs?: number;
  /** After every committed ruleset (and the restore): what the kernel counters need (kernel/ruleset-facts.ts). */
  onCommit?: (counters: CounterFacts) => void;
}

interface LastAttempt {
  at: number;
  ok: boolean;
  durationMs: number;
  mode?: 'full' | 'incremental' | 'noop';
  changed?: string[];
  error?: { kind: ErrorKind; code: string; message: string };
}

/**
 * The reload loop: change events → debounce → engine cycle (read, compile, guard, apply,
 * persist) → metrics, logs, status. One cycle runs at a time; events during a cycle coalesce
 * into one more. Every failure keeps the ruleset in the kernel as it is.
 */
export class Daemon {
  private generation = 0;
  private last: LastAttempt | undefined;
  private lastSuccessAt: number | undefined;
  private diagnostics: Diagnostic[] = [];
  private tree: { available: boolean; error?: string } = { available: true };
  private stateError: string | undefined;
  private dirty = false;
  private force = false;
  /**
   * Files named by change events since the last cycle began; `everything` when some event (or a
   * resync, a reload, the start) could not name its file: then the cycle checks every file.
   */
  private changed = new Set<string>();
  private everything = true;
  private running: Promise<void> | undefined;
  private firstEventAt: number | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  /** An applied ruleset not saved yet; `unsavedSince` = when the first such apply happened. */
  private unsavedSince: number | undefined;
  private persistDue = false;
  private persistTimer: NodeJS.Timeout | undefined;
  private lastSavedAt: number | undefined;
  private stopped = false;
  private ipsWarned = false;
  private readonly limiter = new RateLimiter(60_000);
  private readonly now: () => number;
  private readonly started: number;

  constructor(private readonly d: DaemonDeps) {
    this.now = d.now ?? Date.now;
    this.started = this.now();
  }

  /** Reapplies the last good ruleset (before any compile), then runs the first reload. */
  async start(): Promise<void> {
    let r: Awaited<ReturnType<Engine['restore']>>;
    try {
      r = await this.d.engine.restore();
    } catch (e) {
      r = { kind: 'failed', generation: 0, error: { kind: 'apply', code: (e as { code?: string }).code ?? 'E_ENGINE', message: String((e as Error).message ?? e) } };
    }
    if (r.kind !== 'none') this.generation = r.generation;
    if (r.kind === 'restored') {
      this.d.log.info({ event: 'restore', generation: r.generation, durationMs: round(r.durationMs) }, 'reapplied the last good ruleset');
      this.setRulesetGauges(r.stats);
      this.committed(r.counters);
    } else if (r.kind === 'failed') {
      this.fail(r.error, this.now());
    }
    this.d.metrics.m.generation.set(this.generation);
    await this.reload();
  }

  /**
   * A change was seen: run a cycle after `debounceMs` of quiet, at most `maxDelayMs` after the
   * first event. `path`: the file the event names (absolute); without one, the next cycle looks at
   * every file.
   */
  notify(path?: string): void {
    if (this.stopped) return;
    this.dirty = true;
    if (path === undefined) this.everything = true;
    else this.changed.add(path);
    const t = this.now();
    this.firstEventAt ??= t;
    const quiet = this.d.debounceMs ?? 50;
    const wait = Math.max(0, Math.min(quiet, this.firstEventAt + (this.d.maxDelayMs ?? 500) - t));
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.kick(), wait);
  }

  /** Reload at once (SIGHUP, start): recompiles even when no source changed. */
  reload(): Promise<void> {
    this.dirty = true;
    this.everything = true;
    this.force = true;
    return this.kick();
  }

  /** Periodic full resync: reads the tree; compiles only if something changed (or the last attempt failed). */
  resync(): Promise<void> {
    this.dirty = true;
    this.everything = true;
    return this.kick();
  }

  /** Waits for a running cycle (at most `ms`), then refuses new ones. Rules stay in place. */
  async stop(ms = 1500): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearTimeout(this.expiry);
    clearTimeout(this.persistTimer);
    const end = this.now() + ms;
    const bounded = (p: Promise<unknown>) => Promise.race([p, new Promise((r) => setTimeout(r, Math.max(0, end - this.now())).unref())]);
    if (this.running) await bounded(this.running);
    // a graceful stop saves what a kill -9 would have lost (the kernel already holds it)
    if (this.unsavedSince !== undefined && !this.running) await bounded(this.persist());
  }

  get healthy(): boolean {
    return this.last?.ok !== false && this.tree.available;
  }

  status(): DaemonStatus {
    const counts = { error: 0, warning: 0, info: 0 };
    for (const x of this.diagnostics) counts[x.severity]++;
    return {
      running: true,
      pid: process.pid,
      backend: 'nft',
      configDir: this.d.configDir,
      stateDir: this.d.stateDir,
      startedAt: this.started,
      healthy: this.healthy,
      generation: this.generation,
      lastApply: this.last ?? null,
      lastSuccessAt: this.lastSuccessAt ?? null,
      pending: this.dirty || this.running !== undefined,
      tree: this.tree,
      stateError: this.stateError ?? null,
      diagnosticCounts: counts,
      diagnostics: this.diagnostics.slice(0, 200).map(formatDiagnostic),
    };
  }

  private kick(): Promise<void> {
    clearTimeout(this.debounce);
    this.debounce = undefined;
    this.firstEventAt = undefined;
    if (this.running) return this.running; // `dirty` makes the running loop go round once more
    if (this.stopped || !(this.dirty || this.persistDue)) return Promise.resolve(); // e.g. a debounce whose change a cycle already took
    // `running` is set before the loop's first await and cleared by the loop itself: a loop that
    // ended synchronously must not leave a settled promise behind that swallows every later kick
    const run = this.loop();
    this.running = run;
    return run;
  }

  /**
   * Cycles while changes are pending; then, when a save is due, saves. A save never delays a
   * change: it waits for `persistQuietMs` without one (or `persistMaxDelayMs` in a storm).
   */
  private async loop(): Promise<void> {
    await Promise.resolve(); // let kick() record the promise first
    try {
      while (!this.stopped) {
        if (this.dirty) {
          this.dirty = false;
          const force = this.force;
          this.force = false;
          const changed = this.everything ? undefined : [...this.changed];
          this.everything = false;
          this.changed = new Set();
          const t0 = this.now();
          let r: CycleResult;
          let threw = false;
          try {
            r = await this.d.engine.cycle({ force, retry: this.last?.ok === false, ...(changed ? { changed } : {}) });
          } catch (e) {
            threw = true;
            r = { kind: 'failed', error: { kind: 'compile', code: (e as { code?: string }).code ?? 'E_ENGINE', message: String((e as Error).message ?? e) } };
          }
          // a cycle that may not have read the files its events named: the next one reads them all
          if (threw || r.kind === 'unavailable') this.everything = true;
          this.handle(r, t0);
          if (r.kind === 'applied') this.unsavedSince ??= this.now();
          continue;
        }
        const overdue = this.unsavedSince !== undefined && this.now() - this.unsavedSince >= (this.d.persistMaxDelayMs ?? 10_000);
        if (this.unsavedSince !== undefined && (this.persistDue || overdue || this.lastSavedAt === undefined)) {
          await this.persist();
          continue;
        }
        break;
      }
    } finally {
      this.running = undefined;
      this.persistDue = false;
      this.schedulePersist();
    }
  }

  private async persist(): Promise<void> {
    this.unsavedSince = undefined;
    this.persistDue = false;
    clearTimeout(this.persistTimer);
    const p = await this.d.engine.persist().catch((e: unknown) => ({ stateError: String((e as Error).message ?? e) }));
    this.persisted(p);
    if (p.stateError === undefined) this.lastSavedAt = this.now();
  }

  private schedulePersist(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    if (this.unsavedSince === undefined || this.stopped) return;
    const wait = Math.min(this.d.persistQuietMs ?? 1000, Math.max(0, this.unsavedSince + (this.d.persistMaxDelayMs ?? 10_000) - this.now()));
    this.persistTimer = setTimeout(() => {
      this.persistDue = true;
      void this.kick();
    }, wait);
    this.persistTimer.unref();
  }

  private handle(r: CycleResult, t0: number): void {
    const m = this.d.metrics.m;
    if (r.kind === 'unavailable') {
      this.tree = { available: false, error: `${r.code}: ${r.message}` };
      m.treeAvailable.set(0);
      m.errors.inc({ kind: 'read' });
      this.logLimited(`read:${r.code}:${r.path}`, 'warn', { event: 'tree-unavailable', code: r.code, path: r.path }, `config tree unavailable, keeping the last good ruleset: ${r.message}`);
      return;
    }
    if (!this.tree.available) this.d.log.info({ event: 'tree-available' }, 'config tree is readable again');
    this.tree = { available: true };
    m.treeAvailable.set(1);
    if (r.kind === 'unchanged') {
      if (r.persisted) this.persisted(r.persisted);
      return;
    }
    if (r.diagnostics) this.setDiagnostics(r.diagnostics);
    this.scheduleExpiry(r.expiresAt);
    if (r.kind === 'failed') return this.fail(r.error, t0);

    const total = this.now() - t0;
    this.generation = r.generation;
    this.last = { at: this.now(), ok: true, durationMs: round(total), mode: r.mode, changed: r.changed };
    this.lastSuccessAt = this.last.at;
    m.applies.inc({ result: 'ok', mode: r.mode });
    if (r.mode !== 'noop') m.applyDuration.observe(r.applyMs / 1000);
    m.reloadDuration.observe(total / 1000);
    m.generation.set(this.generation);
    m.lastSuccess.set(this.last.at / 1000);
    m.lastApplyOk.set(1);
    this.setRulesetGauges(r.stats);
    if (r.counters) this.committed(r.counters);
    if (r.ipsWithoutQueue && !this.ipsWarned) {
      this.ipsWarned = true;
      this.d.log.warn({ event: 'ips-no-queue', vmids: r.ipsWithoutQueue.slice(0, 20), count: r.ipsWithoutQueue.length }, 'guests have `ips: 1` but the kernel has no nft_queue: their traffic is accepted without the IPS');
    }
    this.d.log.info(
      { event: 'apply', mode: r.mode, changed: r.changed.slice(0, 20), changedCount: r.changed.length, files: r.files.slice(0, 20), fileCount: r.files.length, commands: r.commands, applyMs: round(r.applyMs), readMs: round(r.phases.readMs), buildMs: round(r.phases.buildMs), totalMs: round(total), generation: this.generation },
      r.mode === 'noop' ? 'ruleset unchanged' : `applied (${r.mode}, ${r.changed.length} change(s))`,
    );
  }

  private committed(counters: CounterFacts): void {
    try {
      this.d.onCommit?.(counters);
    } catch (e) {
      this.d.log.error({ event: 'counters', err: String((e as Error)?.message ?? e) }, 'kernel counters not updated');
    }
  }

  private persisted(p: Persisted): void {
    if (p.stateError === undefined) {
      if (this.stateError) this.d.log.info({ event: 'state-saved' }, 'state dir writable again');
      this.stateError = undefined;
      return;
    }
    this.stateError = p.stateError;
    this.d.metrics.m.errors.inc({ kind: 'state' });
    this.logLimited(`state:${p.stateError}`, 'error', { event: 'state-unwritable', err: p.stateError }, 'cannot save the last good ruleset (kept in memory; retried on every resync)');
  }

  private fail(error: Failure, t0: number): void {
    const { kind, code, message } = error;
    this.last = { at: this.now(), ok: false, durationMs: round(this.now() - t0), error: { kind, code, message } };
    const m = this.d.metrics.m;
    m.errors.inc({ kind });
    m.applies.inc({ result: 'error', mode: 'none' });
    m.lastApplyOk.set(0);
    const extra = error.stderr === undefined ? {} : { stderr: error.stderr };
    this.logLimited(`fail:${kind}:${code}:${message}`, 'error', { event: 'apply-failed', kind, code, ...extra }, `not applied, the running ruleset stays: ${message}`);
  }

  private setDiagnostics(list: Diagnostic[]): void {
    this.diagnostics = list;
    const counts = { error: 0, warning: 0, info: 0 };
    for (const x of list) {
      counts[x.severity]++;
      const level = x.severity === 'error' ? 'error' : x.severity === 'warning' ? 'warn' : 'info';
      this.logLimited(`diag:${formatDiagnostic(x)}`, level, { event: 'diagnostic', file: x.file, line: x.line, col: x.col, code: x.code, severity: x.severity }, formatDiagnostic(x));
    }
    for (const [s, n] of Object.entries(counts)) this.d.metrics.m.diagnostics.set({ severity: s }, n);
  }

  private setRulesetGauges(s: RulesetStats): void {
    const m = this.d.metrics.m;
    m.rules.set(s.rules);
    m.chains.set(s.chains);
    m.sets.set(s.sets);
    m.elements.set(s.elements);
  }

  /** `enable: <timestamp>` runs out by itself: recompile when it does. */
  private scheduleExpiry(at: number | undefined): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    if (at === undefined || this.stopped) return;
    this.expiry = setTimeout(() => void this.reload(), Math.max(0, at * 1000 - this.now()));
    this.expiry.unref();
  }

  private logLimited(key: string, level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string): void {
    const suppressed = this.limiter.allow(key);
    if (suppressed === undefined) return;
    this.d.log[level](suppressed ? { ...obj, suppressed } : obj, msg);
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
