/** Typed errors of the kernel layer: callers branch on `code` (an errno name or E_*), never on text. */
export type KernelErrorCode =
  | 'E_NATIVE_UNAVAILABLE' // the addon could not be loaded (not built, wrong ABI)
  | 'E_BAD_ARGUMENT' // rejected in TypeScript before crossing into native code
  | 'E_EXEC' // a helper program (ip, nft) failed
  | 'E_PARSE' // a helper program's output was not what we expect
  | string; // an errno name from the addon: ENOENT, EPERM, ...

export class KernelError extends Error {
  constructor(
    readonly code: KernelErrorCode,
    message: string,
    readonly errno?: number,
    readonly syscall?: string,
  ) {
    super(message);
    this.name = 'KernelError';
  }
}

interface NativeErrorShape {
  code?: unknown;
  errno?: unknown;
  syscall?: unknown;
  message?: unknown;
}

/** Wraps an error thrown by the addon (it carries code, errno and syscall) into a KernelError. */
export function fromNative(e: unknown): KernelError {
  if (e instanceof KernelError) return e;
  const n = (typeof e === 'object' && e !== null ? e : {}) as NativeErrorShape;
  return new KernelError(
    typeof n.code === 'string' ? n.code : 'EUNKNOWN',
    typeof n.message === 'string' ? n.message : String(e),
    typeof n.errno === 'number' ? n.errno : undefined,
    typeof n.syscall === 'string' ? n.syscall : undefined,
  );
}

export function badArgument(what: string): KernelError {
  return new KernelError('E_BAD_ARGUMENT', what);
}
