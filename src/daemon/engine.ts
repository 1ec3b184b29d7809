/**
 * The heavy half of a reload: read the tree, compile, guard, apply, persist. It runs in a worker
 * thread in the daemon (see worker.ts) so that compiling a large tree never stalls /metrics;
 * unit tests run it inline with a fake nft. Results are plain data.
 */
import { relative } from 'node:path';
import type { ApplyResult } from '../apply/index.js';
import { NftError } from '../apply/index.js';
import type { CompileFacts } from '../compiler/compile.js';
import { createCompiler } from '../compiler/incremental.js';
import { ResolveMemo } from '../model/memo.js';
import type { Ruleset } from '../compiler/ruleset.js';
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import type { HostFacts } from '../model/policy.js';
import type { ErrorKind } from '../metrics/registry.js';
import { build, rulesetStats, type RulesetStats } from './build.js';
import { counterFacts, type CounterFacts } from '../kernel/ruleset-facts.js';
import { checkLockout, type Ingress, type SshSession } from './lockout.js';
import { FileCache, type FileCacheUse } from './file-cache.js';
import { ParseCache } from './parse-cache.js';
import { changedPaths, readSource, sameHashes, type SourceRead } from './source.js';
import { loadLastGood, saveLastGood, StateError, type LastGood } from './state-store.js';

/** The part of NftApplier the engine uses. */
export interface Applier {
  apply(ruleset: Ruleset, opts?: { full?: boolean }): Promise<ApplyResult>;
}

export interface EngineDeps {
  configDir: string;
  stateDir: string;
  node: string;
  applier: Applier;
  /** Host facts for a compile at Unix time `now` (seconds). */
  facts: (now: number) => HostFacts;
  compileFacts: CompileFacts;
  strict?: boolean;
  ssh?: { session: SshSession; ingress: Ingress };
  read?: (dir: string, node: string, cache: ParseCache, files: FileCacheUse) => SourceRead;
  now?: () => number;
}

export interface Failure {
  kind: ErrorKind;
  code: string;
  message: string;
  stderr?: string;
}

/** `stateError` set when the last good ruleset could not be written (it stays in memory). */
export interface Persisted {
  stateError?: string;
}

export type CycleResult =
  | { kind: 'unavailable'; code: string; path: string; message: string }
  | { kind: 'unchanged'; persisted?: Persisted }
  | { kind: 'failed'; error: Failure; diagnostics?: Diagnostic[]; expiresAt?: number }
  | {
      kind: 'applied';
      mode: ApplyResult['mode'];
      changed: string[];
      commands: number;
      applyMs: number;
      files: string[];
      /** Where the time went: reading + parsing the tree, resolve + compile, nft. */
      phases: { readMs: number; buildMs: number; applyMs: number };
      stats: RulesetStats;
      diagnostics: Diagnostic[];
      expiresAt?: number;
      generation: number;
      /** What the kernel counters need (kernel/ruleset-facts.ts); absent when it did not change. */
      counters?: CounterFacts;
      /** Enabled `ips: 1` guests compiled as plain accepts because the kernel has no nft_queue. */
      ipsWithoutQueue?: number[];
    };

export type RestoreResult =
  | { kind: 'none' }
  | { kind: 'restored'; generation: number; durationMs: number; stats: RulesetStats; counters: CounterFacts }
  | { kind: 'failed'; generation: number; error: Failure };

export interface Engine {
  restore(): Promise<RestoreResult>;
  /**
   * `force`: compile even when no source changed; `retry`: the last attempt failed; `changed`:
   * the only files (absolute paths) that may have changed since the last cycle began, from change
   * events (absent: any file may have).
   */
  cycle(req: CycleRequest): Promise<CycleResult>;
  /** Saves the last applied ruleset (after an `applied` cycle; kept out of the change → kernel path). */
  persist(): Promise<Persisted>;
  close(): Promise<void>;
}

export interface CycleRequest {
  force: boolean;
  retry: boolean;
  changed?: string[];
}

export function failure(kind: ErrorKind, e: unknown): Failure {
  const err = e as { code?: unknown; message?: unknown; stderr?: unknown };
  const f: Failure = { kind, code: typeof err.code === 'string' ? err.code : 'E_UNKNOWN', message: typeof err.message === 'string' ? err.message : String(e) };
  if (typeof err.stderr === 'string') f.stderr = err.stderr.slice(0, 2000);
  return f;
}

export class InlineEngine implements Engine {
  private enforced: LastGood | undefined;
  private generation = 0;
  private saved = true;
  private readonly now: () => number;
  /** Kept across cycles: unchanged files are not re-parsed, unchanged guests not recompiled. */
  private readonly parseCache = new ParseCache();
  /** Files whose inode, size and times are unchanged are not read again (file-cache.ts). */
  private readonly fileCache = new FileCache();
  private readonly compiler = createCompiler();
  /** Unchanged guests resolve to the same objects, which the compiler then skips by identity. */
  private readonly memo = new ResolveMemo();
  /** The counter facts last sent (with the restore or a commit). */
  private sentCounters: CounterFacts | undefined;

  constructor(private readonly d: EngineDeps) {
    this.now = d.now ?? Date.now;
  }

  async restore(): Promise<RestoreResult> {
    const lg = loadLastGood(this.d.stateDir);
    if (!lg) return { kind: 'none' };
    this.generation = lg.generation;
    try {
      const r = await this.d.applier.apply(lg.applied.ruleset, { full: true });
      this.enforced = lg;
      this.sentCounters = counterFacts(lg.applied.ruleset);
      return { kind: 'restored', generation: lg.generation, durationMs: r.durationMs, stats: rulesetStats(lg.applied.ruleset), counters: this.sentCounters };
    } catch (e) {
      return { kind: 'failed', generation: lg.generation, error: failure('apply', e) };
    }
  }

  async cycle(req: CycleRequest): Promise<CycleResult> {
    const t0 = this.now();
    const src = (this.d.read ?? readSource)(this.d.configDir, this.d.node, this.parseCache, { cache: this.fileCache, now: Date.now(), ...(req.changed ? { changed: new Set(req.changed.map((p) => relative(this.d.configDir, p))) } : {}) });
    const t1 = this.now();
    if (!src.ok) return { kind: 'unavailable', code: src.code, path: src.path, message: src.message };
    if (!req.force && !req.retry && sameHashes(src.hashes, this.enforced?.hashes)) {
      return this.saved ? { kind: 'unchanged' } : { kind: 'unchanged', persisted: await this.persist() };
    }
    let built;
    try {
      built = build(src.tree, src.diagnostics, this.d.facts(Math.floor(t0 / 1000)), this.d.compileFacts, this.compiler, this.memo);
    } catch (e) {
      return { kind: 'failed', error: failure('compile', e), diagnostics: src.diagnostics };
    }
    const t2 = this.now();
    const failed = (error: Failure): CycleResult =>
      built.expiresAt === undefined ? { kind: 'failed', error, diagnostics: built.diagnostics } : { kind: 'failed', error, diagnostics: built.diagnostics, expiresAt: built.expiresAt };
    const errors = built.diagnostics.filter((x) => x.severity === 'error');
    if (this.d.strict && errors.length) {
      return failed({ kind: 'strict', code: 'E_STRICT', message: `${errors.length} error diagnostic(s); first: ${formatDiagnostic(errors[0]!)}` });
    }
    if (this.d.ssh) {
      const v = checkLockout(built.ruleset, this.d.ssh.session, this.d.ssh.ingress);
      if (v.cut) {
        const s = v.session;
        return failed({ kind: 'lockout', code: 'E_LOCKOUT', message: `the new ruleset would ${v.action} SSH from ${s.clientIp} to ${s.serverIp}:${s.serverPort}` });
      }
    }
    let r: ApplyResult;
    try {
      r = await this.d.applier.apply(built.ruleset);
    } catch (e) {
      return failed(failure(e instanceof NftError && e.code === 'E_NFT_CHECK' ? 'check' : 'apply', e));
    }
    const files = changedPaths(this.enforced?.hashes ?? {}, src.hashes);
    const changedRuleset = r.mode !== 'noop' || !this.enforced;
    if (changedRuleset) this.generation++;
    this.enforced = { version: 1, generation: this.generation, appliedAt: this.now(), hashes: src.hashes, applied: { version: 1, ruleset: built.ruleset } };
    this.saved = false;
    const out: CycleResult = {
      kind: 'applied', mode: r.mode, changed: r.changed, commands: r.commands, applyMs: r.durationMs, files,
      phases: { readMs: t1 - t0, buildMs: t2 - t1, applyMs: r.durationMs },
      stats: rulesetStats(built.ruleset), diagnostics: built.diagnostics, generation: this.generation,
    };
    if (built.expiresAt !== undefined) out.expiresAt = built.expiresAt;
    const facts = counterFacts(built.ruleset, this.sentCounters);
    if (facts !== this.sentCounters) out.counters = facts; // sent only when they changed
    this.sentCounters = facts;
    if (this.d.compileFacts.queue === false && built.ipsGuests.length) out.ipsWithoutQueue = built.ipsGuests;
    return out;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async persist(): Promise<Persisted> {
    if (!this.enforced || this.saved) return {};
    try {
      await saveLastGood(this.d.stateDir, this.enforced);
      this.saved = true;
      return {};
    } catch (e) {
      return { stateError: e instanceof StateError ? `${e.code}: ${e.message}` : String(e) };
    }
  }
}
