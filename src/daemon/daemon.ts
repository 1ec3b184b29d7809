import type { Logger } from 'pino';
import type { ApplyResult } from '../apply/index.js';
import { NftError } from '../apply/index.js';
import type { CompileFacts } from '../compiler/compile.js';
import type { Ruleset } from '../compiler/ruleset.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import type { HostFacts } from '../model/policy.js';
import type { ErrorKind, MetricsRegistry } from '../metrics/registry.js';
import { build, rulesetStats } from './build.js';
import { checkLockout, type Ingress, type SshSession } from './lockout.js';
import { RateLimiter } from './rate-limit.js';
import { changedPaths, readSource, sameHashes, type SourceRead } from './source.js';
import { loadLastGood, saveLastGood, StateError, type LastGood } from './state-store.js';
import type { DaemonStatus } from './status.js';

/** The part of NftApplier the daemon uses (a fake in unit tests). */
export interface Applier {
  apply(ruleset: Ruleset, opts?: { full?: boolean }): Promise<ApplyResult>;
}

export interface DaemonDeps {
  configDir: string;
  stateDir: string;
  node: string;
  applier: Applier;
  log: Logger;
  metrics: MetricsRegistry;
  /** Host facts for a compile at Unix time `now` (seconds). */
  facts: (now: number) => HostFacts;
  compileFacts: CompileFacts;
  /** Refuse configs with error diagnostics instead of applying the rest. */
  strict?: boolean;
  /** The operator's session to protect (undefined: no guard), and where it enters. */
  ssh?: { session: SshSession; ingress: Ingress };
  debounceMs?: number;
  maxDelayMs?: number;
  resyncMs?: number;
  read?: (dir: string, node: string) => SourceRead;
  now?: () => number;
}

interface LastAttempt {
  at: number;
  ok: boolean;
  durationMs: number;
  mode?: ApplyResult['mode'];
  changed?: string[];
  error?: { kind: ErrorKind; code: string; message: string };
}

/**
 * The reload loop: change events → debounce → read → compile → guard → apply → persist.
 * One cycle runs at a time; events during a cycle coalesce into one more cycle. Every failure
 * keeps the ruleset in the kernel as it is.
 */
export class Daemon {
  private generation = 0;
  private enforced: LastGood | undefined;
  private stateSaved = true;
  private last: LastAttempt | undefined;
  private lastSuccessAt: number | undefined;
  private diagnostics: Diagnostic[] = [];
  private tree: { available: boolean; error?: string } = { available: true };
  private stateError: string | undefined;
  private dirty = false;
  private force = false;
  private running: Promise<void> | undefined;
  private firstEventAt: number | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private expiryAt: number | undefined;
  private stopped = false;
  private readonly limiter = new RateLimiter(60_000);
  private readonly now: () => number;
  private readonly started: number;

  constructor(private readonly d: DaemonDeps) {
    this.now = d.now ?? Date.now;
    this.started = this.now();
  }

  /** Reapplies the last good ruleset (before any compile), then runs the first reload. */
  async start(): Promise<void> {
    const lg = loadLastGood(this.d.stateDir);
    if (lg) {
      this.generation = lg.generation;
      try {
        const r = await this.d.applier.apply(lg.applied.ruleset, { full: true });
        this.enforced = lg;
        this.d.log.info({ event: 'restore', generation: lg.generation, durationMs: round(r.durationMs) }, 'reapplied the last good ruleset');
        this.setRulesetGauges(lg.applied.ruleset);
      } catch (e) {
        this.fail('apply', e, this.now());
      }
    }
    this.d.metrics.m.generation.set(this.generation);
    await this.reload();
  }

  /** A change was seen: run a cycle after `debounceMs` of quiet, at most `maxDelayMs` after the first event. */
  notify(): void {
    if (this.stopped) return;
    this.dirty = true;
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
    this.force = true;
    return this.kick();
  }

  /** Periodic full resync: reads the tree; compiles only if something changed. */
  resync(): Promise<void> {
    this.dirty = true;
    return this.kick();
  }

  /** Waits for a running cycle (at most `ms`), then refuses new ones. Rules stay in place. */
  async stop(ms = 1500): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearTimeout(this.expiry);
    if (this.running) await Promise.race([this.running, new Promise((r) => setTimeout(r, ms).unref())]);
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
    if (this.stopped) return Promise.resolve();
    if (this.running) return this.running; // `dirty` makes the running loop go round once more
    this.running = (async () => {
      try {
        while (this.dirty && !this.stopped) {
          this.dirty = false;
          const force = this.force;
          this.force = false;
          await this.cycle(force);
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async cycle(force: boolean): Promise<void> {
    const t0 = this.now();
    const src = (this.d.read ?? readSource)(this.d.configDir, this.d.node);
    if (!src.ok) {
      this.tree = { available: false, error: `${src.code}: ${src.message}` };
      this.d.metrics.m.treeAvailable.set(0);
      this.d.metrics.m.errors.inc({ kind: 'read' });
      this.logLimited(`read:${src.code}:${src.path}`, 'warn', { event: 'tree-unavailable', code: src.code, path: src.path }, `config tree unavailable, keeping the last good ruleset: ${src.message}`);
      return;
    }
    if (!this.tree.available) this.d.log.info({ event: 'tree-available' }, 'config tree is readable again');
    this.tree = { available: true };
    this.d.metrics.m.treeAvailable.set(1);

    const nowS = Math.floor(t0 / 1000);
    const unchanged = sameHashes(src.hashes, this.enforced?.hashes) && this.last?.ok !== false;
    if (unchanged && !force) {
      if (!this.stateSaved) await this.persist();
      return;
    }

    let built;
    try {
      built = build(src.tree, src.diagnostics, this.d.facts(nowS), this.d.compileFacts);
    } catch (e) {
      this.setDiagnostics(src.diagnostics);
      return this.fail('compile', e, t0);
    }
    this.setDiagnostics(built.diagnostics);
    this.scheduleExpiry(built.expiresAt);
    const errors = built.diagnostics.filter((x) => x.severity === 'error');
    if (this.d.strict && errors.length) {
      return this.fail('strict', { code: 'E_STRICT', message: `${errors.length} error diagnostic(s); first: ${formatDiagnostic(errors[0]!)}` }, t0);
    }
    if (this.d.ssh) {
      const v = checkLockout(built.ruleset, this.d.ssh.session, this.d.ssh.ingress);
      if (v.cut) {
        const s = v.session;
        return this.fail('lockout', { code: 'E_LOCKOUT', message: `the new ruleset would ${v.action} SSH from ${s.clientIp} to ${s.serverIp}:${s.serverPort}` }, t0);
      }
    }

    let r: ApplyResult;
    try {
      r = await this.d.applier.apply(built.ruleset);
    } catch (e) {
      return this.fail(e instanceof NftError && e.code === 'E_NFT_CHECK' ? 'check' : 'apply', e, t0);
    }
    const prevHashes = this.enforced?.hashes ?? {};
    if (r.mode !== 'noop' || !this.enforced) this.generation++;
    this.enforced = { version: 1, generation: this.generation, appliedAt: this.now(), hashes: src.hashes, applied: { version: 1, ruleset: built.ruleset } };
    this.stateSaved = false;
    const total = this.now() - t0;
    this.last = { at: this.now(), ok: true, durationMs: round(total), mode: r.mode, changed: r.changed };
    this.lastSuccessAt = this.last.at;
    const m = this.d.metrics.m;
    m.applies.inc({ result: 'ok', mode: r.mode });
    if (r.mode !== 'noop') m.applyDuration.observe(r.durationMs / 1000);
    m.reloadDuration.observe(total / 1000);
    m.generation.set(this.generation);
    m.lastSuccess.set(this.last.at / 1000);
    m.lastApplyOk.set(1);
    this.setRulesetGauges(built.ruleset);
    this.d.log.info(
      { event: 'apply', mode: r.mode, changed: r.changed, files: changedPaths(prevHashes, src.hashes), commands: r.commands, applyMs: round(r.durationMs), totalMs: round(total), generation: this.generation },
      r.mode === 'noop' ? 'ruleset unchanged' : `applied (${r.mode}, ${r.changed.length} change(s))`,
    );
    await this.persist();
  }

  private async persist(): Promise<void> {
    if (!this.enforced) return;
    try {
      await saveLastGood(this.d.stateDir, this.enforced);
      this.stateSaved = true;
      if (this.stateError) this.d.log.info({ event: 'state-saved' }, 'state dir writable again');
      this.stateError = undefined;
    } catch (e) {
      this.stateError = e instanceof StateError ? `${e.code}: ${e.message}` : String(e);
      this.d.metrics.m.errors.inc({ kind: 'state' });
      this.logLimited(`state:${this.stateError}`, 'error', { event: 'state-unwritable', err: this.stateError }, 'cannot save the last good ruleset (kept in memory; retried on every resync)');
    }
  }

  private fail(kind: ErrorKind, e: unknown, t0: number): void {
    const err = e as { code?: unknown; message?: unknown; stderr?: unknown };
    const code = typeof err.code === 'string' ? err.code : 'E_UNKNOWN';
    const message = typeof err.message === 'string' ? err.message : String(e);
    this.last = { at: this.now(), ok: false, durationMs: round(this.now() - t0), error: { kind, code, message } };
    this.d.metrics.m.errors.inc({ kind });
    this.d.metrics.m.applies.inc({ result: 'error', mode: 'none' });
    this.d.metrics.m.lastApplyOk.set(0);
    const extra = typeof err.stderr === 'string' ? { stderr: err.stderr.slice(0, 2000) } : {};
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

  private setRulesetGauges(r: Ruleset): void {
    const s = rulesetStats(r);
    const m = this.d.metrics.m;
    m.rules.set(s.rules);
    m.chains.set(s.chains);
    m.sets.set(s.sets);
    m.elements.set(s.elements);
  }

  private scheduleExpiry(at: number | undefined): void {
    clearTimeout(this.expiry);
    this.expiry = undefined;
    this.expiryAt = at === undefined ? undefined : at * 1000;
    if (this.expiryAt === undefined) return;
    this.expiry = setTimeout(() => void this.reload(), Math.max(0, this.expiryAt - this.now()));
    this.expiry.unref();
  }

  private logLimited(key: string, level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string): void {
    const suppressed = this.limiter.allow(key);
    if (suppressed === undefined) return;
    this.d.log[level](suppressed ? { ...obj, suppressed } : obj, msg);
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
