import { closeSync, openSync } from 'node:fs';
import { KernelError, badArgument } from './errors.js';

/** Names as `ip netns add` accepts them; anything else never reaches a path. */
const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export function checkNetnsName(name: string): string {
  if (!NETNS_NAME.test(name) || name === '.' || name === '..') throw badArgument(`not a netns name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * An open handle on a named network namespace (`/run/netns/<name>`), passed to the addon, which
 * enters it on its worker thread only for the call. Without a name: the caller's namespace (-1).
 */
export class NetnsHandle {
  private constructor(readonly fd: number, readonly name?: string) {}

  static open(name?: string): NetnsHandle {
    if (name === undefined) return new NetnsHandle(-1);
    try {
      return new NetnsHandle(openSync(`/run/netns/${checkNetnsName(name)}`, 'r'), name);
    } catch (e) {
      if (e instanceof KernelError) throw e;
      const err = e as NodeJS.ErrnoException;
      throw new KernelError(err.code ?? 'EUNKNOWN', err.message, err.errno, 'open');
    }
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
  }
}
