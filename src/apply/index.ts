import type { Ruleset } from '../compiler/ruleset.js';
import type { TableRef } from '../backend/nft/json.js';
import { addTable, deleteTable } from '../backend/nft/json.js';
import type { NftBackend } from './backend.js';
import { createNftBackend, type NftBackendKind } from './backend-factory.js';
import { NftError } from './errors.js';
import { fullPlan, plan } from './plan.js';
import { makeState, type AppliedState } from './state.js';
import { rawElementMsgs } from './raw-elements.js';
import { runPlan, runTransaction, type NftInput } from './transaction.js';

export interface ApplyResult {
  mode: 'full' | 'incremental' | 'noop';
  /** nft commands sent (0 for a no-op: nothing is sent at all). */
  commands: number;
  /** The language the transaction went in (`none` for a no-op, `netlink` for raw element changes). Optional for older fakes. */
  input?: 'text' | 'json' | 'none' | 'netlink';
  durationMs: number;
  changed: string[];
}

export interface ApplyOptions {
  /** Check only (`nft -c`): nothing is committed and the recorded state is unchanged. */
  check?: boolean;
  /** Replace all of fwctl's tables even when an incremental update would do. */
  full?: boolean;
}

export interface NftApplierOptions {
  backend?: NftBackend;
  /** With the default backend: run nft inside this network namespace. */
  netns?: string;
  /** Which default backend (see backend-factory.ts); `FWCTL_NFT=cli` overrides. Default auto. */
  nft?: NftBackendKind;
  /** A state persisted by an earlier run (see state.ts); without it the first apply is full. */
  state?: AppliedState;
  /**
   * Run `nft -c` on the transaction before committing it. Default false: the commit is one
   * nf_tables batch, which the kernel applies entirely or not at all, so a refused transaction
   * changes nothing either way, and the precheck doubled the cost of every apply. The check
   * alone stays available as `apply(rs, {check: true})`.
   */
  precheck?: boolean;
  /** @deprecated the precheck is off by default now; `skipPrecheck: false` turns it on. */
  skipPrecheck?: boolean;
  /** nft input language; default auto = text when the backend reads it (see transaction.ts). */
  input?: NftInput;
  /** Element-only changes of IP interval sets as a raw nf_tables batch when the backend can (default true). */
  rawElements?: boolean;
  now?: () => number;
}

export class NftApplier {
  private readonly backend: NftBackend;
  private last: AppliedState | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: NftApplierOptions = {}) {
    this.backend = opts.backend ?? createNftBackend({ ...(opts.netns ? { netns: opts.netns } : {}), ...(opts.nft ? { kind: opts.nft } : {}) });
    this.last = opts.state;
    this.now = opts.now ?? (() => performance.now());
  }

  /** The last committed state (persist it with serializeState). */
  get state(): AppliedState | undefined {
    return this.last;
  }

  async apply(ruleset: Ruleset, opts: ApplyOptions = {}): Promise<ApplyResult> {
    const t0 = this.now();
    const prev = this.last?.ruleset;
    let p = opts.full ? fullPlan(ruleset, prev) : plan(prev, ruleset);
    const precheck = this.opts.precheck ?? this.opts.skipPrecheck === false;
    const tx = { precheck, checkOnly: opts.check === true, ...(this.opts.input ? { input: this.opts.input } : {}) };
    let input: NonNullable<ApplyResult['input']> | undefined;
    const raw = !opts.check && p.mode === 'incremental' && this.backend.runElements && this.opts.rawElements !== false ? rawElementMsgs(p.ops) : undefined;
    if (raw) {
      try {
        await this.backend.runElements!(raw);
        input = 'netlink';
      } catch {
        // refused as a whole (nothing changed): nft's own path says why, or repairs what differs
      }
    }
    try {
      input ??= await runPlan(this.backend, p, tx);
    } catch (e) {
      // The kernel no longer matches our record (someone deleted a table or chain): replace all.
      if (!(e instanceof NftError) || p.mode !== 'incremental') throw e;
      p = fullPlan(ruleset, prev);
      input = await runPlan(this.backend, p, tx);
    }
    if (!opts.check) this.last = makeState(ruleset);
    return { mode: p.mode, commands: p.count, input, durationMs: this.now() - t0, changed: p.changed };
  }

  /** Delete fwctl's tables (those last applied, plus `extra`), idempotently, in one transaction. */
  async stop(extra: TableRef[] = []): Promise<void> {
    const tables = [...(this.last?.ruleset.tables ?? []), ...extra];
    const seen = new Set<string>();
    const cmds = tables.flatMap((t) => {
      const k = `${t.family} ${t.name}`;
      if (seen.has(k)) return [];
      seen.add(k);
      return [addTable(t), deleteTable(t)];
    });
    await runTransaction(this.backend, cmds, { precheck: false });
    this.last = undefined;
  }
}

export { NftError } from './errors.js';
export type { AppliedState } from './state.js';
export type { NftInput } from './transaction.js';
export { parseState, serializeState } from './state.js';
