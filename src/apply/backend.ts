import type { NftJson } from '../backend/nft/json.js';
import { runNft, type Exec } from './exec.js';
import type { RawElementMsg } from './raw-elements.js';

/** Where a transaction goes: the real nft, or the in-memory fake (src/backend/fake). */
export interface NftBackend {
  /** Validate without committing (`nft -c`). Throws NftError E_NFT_CHECK. */
  check(doc: NftJson): Promise<void>;
  /** Commit atomically. Throws NftError E_NFT_APPLY; on error nothing changed. */
  apply(doc: NftJson): Promise<void>;
  /**
   * nft text input (`nft [-c] -f`), same atomicity and error codes as check/apply. Only the
   * validated renderers of src/backend/nft produce the text. Backends without it get JSON.
   */
  runText?(text: string, dryRun: boolean): Promise<void>;
  /**
   * Element changes of IP interval sets as one raw nf_tables batch (raw-elements.ts), without
   * nft's cache rebuild. Atomic: a refusal (E_NFT_APPLY with the kernel's errno) changes nothing.
   */
  runElements?(msgs: RawElementMsg[]): Promise<void>;
}

export class NftCliBackend implements NftBackend {
  constructor(readonly exec: Exec) {}

  async check(doc: NftJson): Promise<void> {
    await runNft(this.exec, ['-j', '-c', '-f', '-'], JSON.stringify(doc), 'E_NFT_CHECK');
  }

  async apply(doc: NftJson): Promise<void> {
    await runNft(this.exec, ['-j', '-f', '-'], JSON.stringify(doc), 'E_NFT_APPLY');
  }

  async runText(text: string, dryRun: boolean): Promise<void> {
    await runNft(this.exec, dryRun ? ['-c', '-f', '-'] : ['-f', '-'], text, dryRun ? 'E_NFT_CHECK' : 'E_NFT_APPLY');
  }
}
