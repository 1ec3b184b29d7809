/** Typed errors of the apply layer; callers branch on `code` (and `errno`), never on text. */
export type NftErrorCode =
  | 'E_NFT_SPAWN' // nft (or ip netns exec) could not be started
  | 'E_NFT_CHECK' // nft -c refused the transaction; nothing was changed
  | 'E_NFT_APPLY' // nft refused the transaction; nothing was changed (atomic)
  | 'E_NFT_EXIT'; // any other non-zero exit

export class NftError extends Error {
  constructor(
    readonly code: NftErrorCode,
    readonly exitCode: number,
    readonly stderr: string,
    readonly errno?: string,
  ) {
    super(`nft failed (${code}${errno ? `, ${errno}` : ''}, exit ${exitCode}): ${stderr.trim().split('\n')[0] ?? ''}`);
    this.name = 'NftError';
  }
}

export type SysctlErrorCode = 'E_SYSCTL_MISSING' | 'E_SYSCTL_WRITE';

export class SysctlError extends Error {
  constructor(
    readonly code: SysctlErrorCode,
    readonly key: string,
    message: string,
  ) {
    super(message);
    this.name = 'SysctlError';
  }
}

/**
 * nft reports the kernel's errno only as strerror(3) text; translate the ones the apply layer
 * reacts to into errno names once, here, so that nothing else looks at message text.
 */
const STRERROR: [string, string][] = [
  ['No such file or directory', 'ENOENT'],
  ['File exists', 'EEXIST'],
  ['Device or resource busy', 'EBUSY'],
  ['Protocol error', 'EPROTO'],
  ['Invalid argument', 'EINVAL'],
  ['Operation not supported', 'EOPNOTSUPP'],
  ['Operation not permitted', 'EPERM'],
  ['Cannot allocate memory', 'ENOMEM'],
  ['No space left on device', 'ENOSPC'],
  ['Numerical result out of range', 'ERANGE'],
];

export function errnoFromStderr(stderr: string): string | undefined {
  for (const [text, name] of STRERROR) if (stderr.includes(text)) return name;
  return undefined;
}
