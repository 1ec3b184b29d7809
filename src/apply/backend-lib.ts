import type { NftJson } from '../backend/nft/json.js';
import { isMainThread } from 'node:worker_threads';
import { badArgument } from '../kernel/errors.js';
import { loadNative } from '../kernel/native.js';
import { checkNetnsName } from '../kernel/netns.js';
import type { NftBackend } from './backend.js';
import type { RawElementMsg } from './raw-elements.js';
import { NftError, errnoFromStderr } from './errors.js';

export interface NftRunResult {
  /** nft_run_cmd_from_buffer's return value: 0 on success, negative on failure. */
  rc: number;
  output: string;
  /** What `nft` would have printed on stderr. */
  error: string;
}

/** The addon's in-process nft (native/src/nft.cc). */
export interface NftNative {
  /** `netns` "" = the process's own namespace. Rejects (code/errno/syscall) only when nft never ran. */
  nftRun(netns: string, input: string, dryRun: boolean): Promise<NftRunResult>;
  /**
   * The same on the calling thread (throws instead of rejecting). Used on worker threads, whose
   * termination must never find a call in flight on the thread pool.
   */
  nftRunSync?(netns: string, input: string, dryRun: boolean): NftRunResult;
  /** One nf_tables batch of set element changes (raw-elements.ts); rejects with code/errno/syscall. */
  nftElements?(netns: string, msgs: RawElementMsg[]): Promise<void>;
  nftElementsSync?(netns: string, msgs: RawElementMsg[]): void;
  /** Frees the namespace's kept context; false when there was none. */
  nftRelease(netns: string): Promise<boolean>;
}

/** The addon's nft functions, or undefined when the addon is not loadable or predates them. */
export function loadNftNative(): NftNative | undefined {
  const addon = loadNative() as Partial<NftNative> | undefined;
  return typeof addon?.nftRun === 'function' && typeof addon.nftRelease === 'function' ? (addon as NftNative) : undefined;
}

export interface NftLibBackendOptions {
  /** Run inside the named network namespace (`/run/netns/<name>`), like `ip netns exec`. */
  netns?: string;
  /**
   * Run nft on the calling thread rather than the thread pool. Default: on worker threads (the
   * daemon's engine), where blocking is the point and a terminated thread must not leave a call
   * behind; off on the main thread, which must keep serving.
   */
  sync?: boolean;
}

interface NativeErrorShape {
  code?: unknown;
  message?: unknown;
}

/**
 * libnftables in-process: the same JSON document or nft text and the same atomic commit as
 * `nft [-j] -f`, without a process per transaction. Failures are the CLI backend's NftError codes; `exitCode`
 * carries libnftables' return value, `stderr` its error buffer.
 */
export class NftLibBackend implements NftBackend {
  private readonly netns: string;
  private readonly sync: boolean;

  constructor(
    private readonly native: NftNative,
    opts: NftLibBackendOptions = {},
  ) {
    this.netns = opts.netns === undefined ? '' : checkNetnsName(opts.netns);
    this.sync = (opts.sync ?? !isMainThread) && typeof native.nftRunSync === 'function';
  }

  check(doc: NftJson): Promise<void> {
    return this.run(doc, true, 'E_NFT_CHECK');
  }

  apply(doc: NftJson): Promise<void> {
    return this.run(doc, false, 'E_NFT_APPLY');
  }

  runText(text: string, dryRun: boolean): Promise<void> {
    if (typeof text !== 'string') throw badArgument('not nft text');
    return this.runInput(text, dryRun, dryRun ? 'E_NFT_CHECK' : 'E_NFT_APPLY');
  }

  async runElements(msgs: RawElementMsg[]): Promise<void> {
    const n = this.native;
    if (typeof n.nftElements !== 'function' || typeof n.nftElementsSync !== 'function') throw new NftError('E_NFT_SPAWN', -1, 'the addon predates raw element changes');
    try {
      if (this.sync) n.nftElementsSync(this.netns, msgs);
      else await n.nftElements(this.netns, msgs);
    } catch (e) {
      throw fromNative(e, 'E_NFT_APPLY');
    }
  }

  /** Drops the kept libnftables context (it holds a socket that keeps the namespace alive). */
  async close(): Promise<void> {
    await this.native.nftRelease(this.netns);
  }

  private async run(doc: NftJson, dryRun: boolean, code: 'E_NFT_CHECK' | 'E_NFT_APPLY'): Promise<void> {
    if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.nftables)) throw badArgument('not an nft JSON document');
    return this.runInput(JSON.stringify(doc), dryRun, code);
  }

  /** nft text or a JSON document: libnftables tries JSON first and reads anything else as text. */
  private async runInput(input: string, dryRun: boolean, code: 'E_NFT_CHECK' | 'E_NFT_APPLY'): Promise<void> {
    let r: NftRunResult;
    try {
      r = this.sync ? this.native.nftRunSync!(this.netns, input, dryRun) : await this.native.nftRun(this.netns, input, dryRun);
    } catch (e) {
      throw fromNative(e, 'E_NFT_SPAWN');
    }
    if (r.rc !== 0) throw new NftError(code, r.rc, r.error, errnoFromStderr(r.error));
  }
}

/** An addon failure (code/errno/syscall) as an NftError; `exitCode` -1: nft itself did not answer. */
function fromNative(e: unknown, code: 'E_NFT_SPAWN' | 'E_NFT_APPLY'): NftError {
  const n = (typeof e === 'object' && e !== null ? e : {}) as NativeErrorShape;
  return new NftError(code, -1, typeof n.message === 'string' ? n.message : String(e), typeof n.code === 'string' ? n.code : undefined);
}
