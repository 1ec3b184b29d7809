import { toDocument, type NftCommand } from '../backend/nft/json.js';
import type { NftBackend } from './backend.js';

export interface TransactionOptions {
  /** Run `nft -c` on the same document first (default true). */
  precheck?: boolean;
  /** Only check; never commit. */
  checkOnly?: boolean;
}

/**
 * One atomic nft transaction. An empty transaction sends nothing at all. The document only
 * names fwctl's own tables (the commands come from src/backend/nft/json.ts builders).
 */
export async function runTransaction(backend: NftBackend, commands: NftCommand[], opts: TransactionOptions = {}): Promise<void> {
  if (commands.length === 0) return;
  const doc = toDocument(commands);
  if (opts.precheck !== false || opts.checkOnly) await backend.check(doc);
  if (!opts.checkOnly) await backend.apply(doc);
}
