import { toDocument, type NftCommand } from '../backend/nft/json.js';
import { opsText } from '../backend/nft/ops.js';
import type { NftBackend } from './backend.js';
import type { Plan } from './plan.js';

export interface TransactionOptions {
  /** Run `nft -c` on the same document first (default true here; NftApplier defaults to false). */
  precheck?: boolean;
  /** Only check; never commit. */
  checkOnly?: boolean;
}

/**
 * One atomic nft transaction of JSON commands. An empty transaction sends nothing at all. The
 * document only names fwctl's own tables (the commands come from src/backend/nft/json.ts builders).
 */
export async function runTransaction(backend: NftBackend, commands: NftCommand[], opts: TransactionOptions = {}): Promise<void> {
  if (commands.length === 0) return;
  const doc = toDocument(commands);
  if (opts.precheck !== false || opts.checkOnly) await backend.check(doc);
  if (!opts.checkOnly) await backend.apply(doc);
}

/** `text`: nft's own language (nft 1.0.6 reads it several times faster than JSON); `auto`: text when the backend reads it. */
export type NftInput = 'auto' | 'text' | 'json';

export interface PlanTransactionOptions extends TransactionOptions {
  input?: NftInput;
}

/** Which language a plan goes to the backend in. */
export function inputFor(backend: NftBackend, input: NftInput = 'auto'): 'text' | 'json' {
  if (input === 'json' || !backend.runText) return 'json';
  return 'text';
}

/** A plan as one atomic transaction, in text or JSON (same validation, same atomicity). */
export async function runPlan(backend: NftBackend, plan: Plan, opts: PlanTransactionOptions = {}): Promise<'text' | 'json' | 'none'> {
  if (plan.ops.length === 0) return 'none';
  const lang = inputFor(backend, opts.input);
  if (lang === 'json' || !backend.runText) {
    await runTransaction(backend, plan.commands, opts);
    return 'json';
  }
  const text = opsText(plan.ops);
  if (opts.precheck === true || opts.checkOnly) await backend.runText(text, true);
  if (!opts.checkOnly) await backend.runText(text, false);
  return 'text';
}
