import { KernelError } from '../kernel/errors.js';
import { NftCliBackend, type NftBackend } from './backend.js';
import { NftLibBackend, loadNftNative } from './backend-lib.js';
import { SpawnExec } from './exec.js';

/** `lib` = libnftables in the addon, `cli` = spawn `nft`, `auto` = lib when the addon has it. */
export type NftBackendKind = 'auto' | 'lib' | 'cli';

export interface NftBackendOptions {
  netns?: string;
  kind?: NftBackendKind;
  /** `FWCTL_NFT=cli` forces the CLI, `FWCTL_NFT=lib` requires the library. Default process.env. */
  env?: Record<string, string | undefined>;
}

export function createNftBackend(opts: NftBackendOptions = {}): NftBackend {
  const forced = (opts.env ?? process.env).FWCTL_NFT;
  const kind = forced === 'cli' || forced === 'lib' ? forced : (opts.kind ?? 'auto');
  const netns = opts.netns === undefined ? {} : { netns: opts.netns };
  if (kind === 'cli') return new NftCliBackend(new SpawnExec(netns));
  const native = loadNftNative();
  if (native) return new NftLibBackend(native, netns);
  if (kind === 'lib') throw new KernelError('E_NATIVE_UNAVAILABLE', 'in-process nft needs the native addon (built with libnftables)');
  return new NftCliBackend(new SpawnExec(netns));
}
