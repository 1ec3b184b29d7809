/**
 * The addon's raw interface and its loader. Nothing outside src/kernel calls the addon directly:
 * the typed wrappers in this directory validate arguments before they cross.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelError } from './errors.js';

export interface NativeLinkName {
  ifindex: number;
  master: number;
  name: string;
}

export interface NativeObjInfo {
  id: number;
  type: number;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
}

export interface NativeMapDump {
  keySize: number;
  /** Bytes per entry; for per-CPU maps: value size rounded up to 8, times possible CPUs. */
  valueSize: number;
  cpus: number;
  count: number;
  keys: Buffer;
  values: Buffer;
}

export interface NativeAddon {
  /** A NETLINK_ROUTE socket created inside the namespace (-1: ours); the caller closes the fd. */
  routeSocket(nsFd: number): Promise<number>;
  /**
   * Rows [ifindex, rxPackets, txPackets, rxBytes, txBytes, rxDropped, txDropped] of every link, dumped
   * on `sock` (from routeSocket) or else on a socket opened in nsFd for the call. The rows are
   * written into `into` when they fit and the result is then a view of it; otherwise the result
   * is a new array whose buffer has room to grow (pass `new Float64Array(result.buffer)` next
   * time). `into` must not be read or passed elsewhere until the promise settles.
   */
  linkStats(nsFd: number, sock?: number, into?: Float64Array): Promise<Float64Array>;
  /** Every link (one dump), or only those of `ifindexes` that exist (one request each). */
  linkNames(nsFd: number, sock?: number, ifindexes?: number[]): Promise<NativeLinkName[]>;
  mountBpffs(path: string): Promise<void>;
  loadObject(path: string, pinDir: string): Promise<string[]>;
  tcAttach(nsFd: number, progPin: string, ifindexes: number[], ingress: boolean, priority: number): Promise<number[]>;
  tcDetach(nsFd: number, ifindexes: number[], ingress: boolean, priority: number): Promise<number[]>;
  tcQuery(nsFd: number, ifindexes: number[], ingress: boolean, priority: number): Promise<number[]>;
  xdpAttach(nsFd: number, ifindex: number, progPin: string, flags: number): Promise<void>;
  xdpDetach(nsFd: number, ifindex: number, flags: number): Promise<void>;
  xdpQuery(nsFd: number, ifindex: number, flags: number): Promise<number>;
  progInfo(id: number): Promise<NativeObjInfo>;
  pinnedInfo(pin: string, isMap: boolean): Promise<NativeObjInfo>;
  mapLookupAll(pin: string): Promise<NativeMapDump>;
  mapWrite(pin: string, keys: Buffer, values: Buffer | null, count: number, flags: number): Promise<number[]>;
}

/**
 * Repository root: the nearest directory up from this module whose package.json is fwctl's (from
 * src/ under tsx, dist/src/ after tsc, and from a bundle under node_modules/.cache, whose own
 * package.json only sets the module type).
 */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isOurs(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(fileURLToPath(import.meta.url));
    dir = dirname(dir);
  }
}

function isOurs(pkg: string): boolean {
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'fwctl';
  } catch {
    return false;
  }
}

let cached: { addon?: NativeAddon; error?: KernelError } | undefined;

/** Loads build/Release/fwctl_native.node once; `FWCTL_NATIVE=0` forces the fallback. */
export function loadNative(): NativeAddon | undefined {
  if (cached) return cached.addon;
  if (process.env.FWCTL_NATIVE === '0') {
    cached = { error: new KernelError('E_NATIVE_UNAVAILABLE', 'disabled by FWCTL_NATIVE=0') };
    return undefined;
  }
  try {
    const require = createRequire(import.meta.url);
    cached = { addon: require(join(projectRoot(), 'build', 'Release', 'fwctl_native.node')) as NativeAddon };
  } catch (e) {
    cached = { error: new KernelError('E_NATIVE_UNAVAILABLE', `native addon not loadable: ${(e as Error).message}`) };
  }
  return cached.addon;
}

/** Why loadNative() returned undefined (for logs and `fwctl top`). */
export function nativeLoadError(): KernelError | undefined {
  loadNative();
  return cached?.error;
}

export function requireNative(): NativeAddon {
  const addon = loadNative();
  if (!addon) throw nativeLoadError() ?? new KernelError('E_NATIVE_UNAVAILABLE', 'native addon not loadable');
  return addon;
}
