/**
 * Link counters for every link of a namespace, from the port's point of view (rx = received by
 * the port). Two sources with the same interface: the addon (one RTM_GETSTATS dump per read,
 * names from a cached RTM_GETLINK dump, refreshed when links come or go or get old) and
 * `ip -s -j link` when the addon cannot load.
 */
import { closeSync } from 'node:fs';
import { SpawnExec, type Exec } from '../apply/exec.js';
import { KernelError, fromNative } from './errors.js';
import { loadNative, type NativeAddon } from './native.js';
import { NetnsHandle, checkNetnsName } from './netns.js';

export interface LinkCounters {
  ifindex: number;
  name: string;
  /** Name of the master device (the bridge of a port), if any. */
  master?: string;
  rxPackets: number;
  txPackets: number;
  rxBytes: number;
  txBytes: number;
  rxDropped: number;
  txDropped: number;
}

export interface LinkCounterSource {
  readonly kind: 'netlink' | 'iproute2';
  read(): Promise<LinkCounters[]>;
  close(): void;
}

export interface LinkSourceOptions {
  /** A named network namespace (`ip netns`); default: the caller's. */
  netns?: string;
  /** Re-read all link names (renames, new masters) after a read that finds them older than this. */
  namesMaxAgeMs?: number;
  now?: () => number;
}

const ROW = 7;
/** At most this many new links are looked up one by one; more take one names dump. */
const LOOKUP_MAX = 64;

interface LinkName {
  name: string;
  master: number;
}

/**
 * Reads go through one netlink socket created inside the namespace on the first read (no setns
 * per read) into one reused row buffer (no allocation, hence no page faults, per read), one read
 * at a time; link objects are built from the rows and the cached names. New links are looked up
 * one by one and links gone are dropped from the cache. A full names dump (tens of ms at
 * thousands of links) is in a read's path only on the first read, after invalidate() or when
 * many links came at once; names older than namesMaxAgeMs are dumped again after the read.
 */
export class NetlinkLinkCounters implements LinkCounterSource {
  readonly kind = 'netlink';
  private readonly ns: NetnsHandle;
  private names = new Map<number, LinkName>();
  private namesAt = -Infinity;
  private namesOld = false;
  private readonly now: () => number;
  private sock: number | undefined;
  private rows: Float64Array | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly addon: NativeAddon, private readonly opts: LinkSourceOptions = {}) {
    this.ns = NetnsHandle.open(opts.netns);
    this.now = opts.now ?? (() => performance.now());
  }

  read(): Promise<LinkCounters[]> {
    if (this.closed) return Promise.reject(new KernelError('EBADF', 'link counter source is closed', -9));
    const r = this.tail.then(() => this.readNow());
    // names past their age are re-read right after the read that noticed, off its path
    this.tail = r.then(() => (this.namesOld && this.sock !== undefined ? this.loadNames(this.sock) : undefined)).catch(() => undefined);
    return r;
  }

  private async readNow(): Promise<LinkCounters[]> {
    this.sock ??= await this.native(() => this.addon.routeSocket(this.ns.fd));
    const sock = this.sock;
    const rows = await this.native(() => this.addon.linkStats(this.ns.fd, sock, this.rows));
    if (rows.buffer !== this.rows?.buffer) this.rows = new Float64Array(rows.buffer);
    if (this.namesAt === -Infinity) {
      await this.loadNames(sock);
      return this.counters(rows, []);
    }
    this.namesOld = this.now() - this.namesAt > (this.opts.namesMaxAgeMs ?? 30_000);
    const missing: number[] = [];
    const out = this.counters(rows, missing);
    if (missing.length === 0 && this.names.size === out.length) return out;
    if (missing.length > LOOKUP_MAX) {
      await this.loadNames(sock);
    } else {
      if (this.names.size > out.length) this.keepOnly(rows);
      if (missing.length) {
        for (const l of await this.native(() => this.addon.linkNames(this.ns.fd, sock, missing))) {
          this.names.set(l.ifindex, { name: l.name, master: l.master });
        }
      }
    }
    return this.counters(rows, []);
  }

  /** Links of the rows that have a name; the others' ifindexes go to `missing`. */
  private counters(rows: Float64Array, missing: number[]): LinkCounters[] {
    const out: LinkCounters[] = [];
    for (let o = 0; o < rows.length; o += ROW) {
      const ifindex = rows[o]!;
      const link = this.names.get(ifindex);
      if (!link) {
        missing.push(ifindex); // gone again since, or created after a names dump: next read has it
        continue;
      }
      const c: LinkCounters = {
        ifindex, name: link.name,
        rxPackets: rows[o + 1]!, txPackets: rows[o + 2]!, rxBytes: rows[o + 3]!, txBytes: rows[o + 4]!,
        rxDropped: rows[o + 5]!, txDropped: rows[o + 6]!,
      };
      const master = link.master ? this.names.get(link.master)?.name : undefined;
      if (master !== undefined) c.master = master;
      out.push(c);
    }
    return out;
  }

  private async loadNames(sock: number): Promise<void> {
    const links = await this.native(() => this.addon.linkNames(this.ns.fd, sock));
    this.names = new Map(links.map((l) => [l.ifindex, { name: l.name, master: l.master }]));
    this.namesAt = this.now();
    this.namesOld = false;
  }

  /** Forgets the names of links that are gone. */
  private keepOnly(rows: Float64Array): void {
    const names = new Map<number, LinkName>();
    for (let o = 0; o < rows.length; o += ROW) {
      const link = this.names.get(rows[o]!);
      if (link) names.set(rows[o]!, link);
    }
    this.names = names;
  }

  /** Calls the addon; a failure drops the socket, so the next read starts on a clean one. */
  private async native<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      this.dropSocket();
      throw fromNative(e);
    }
  }

  /** Forces a names dump in the next read's path (call on link change events). */
  invalidate(): void {
    this.namesAt = -Infinity;
  }

  private dropSocket(): void {
    if (this.sock !== undefined) closeSync(this.sock);
    this.sock = undefined;
  }

  /** Closes the socket and the namespace handle once a read in flight has finished. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    void this.tail.then(() => {
      this.dropSocket();
      this.ns.close();
    });
  }
}

interface IpLinkJson {
  ifindex: number;
  ifname: string;
  master?: string;
  stats64?: { rx: { packets: number; bytes: number; dropped: number }; tx: { packets: number; bytes: number; dropped: number } };
}

export class IpLinkCounters implements LinkCounterSource {
  readonly kind = 'iproute2';

  constructor(private readonly opts: LinkSourceOptions = {}, private readonly exec: Exec = new SpawnExec()) {
    if (opts.netns !== undefined) checkNetnsName(opts.netns);
  }

  async read(): Promise<LinkCounters[]> {
    const ns = this.opts.netns === undefined ? [] : ['-n', this.opts.netns];
    const r = await this.exec.run('ip', [...ns, '-s', '-j', 'link', 'show']);
    if (r.exitCode !== 0) throw new KernelError('E_EXEC', `ip -s -j link failed: ${r.stderr.trim()}`);
    let links: IpLinkJson[];
    try {
      links = JSON.parse(r.stdout) as IpLinkJson[];
    } catch {
      throw new KernelError('E_PARSE', 'ip -s -j link printed no JSON');
    }
    return links.flatMap((l) => {
      const s = l.stats64;
      if (!s) return [];
      const c: LinkCounters = {
        ifindex: l.ifindex, name: l.ifname,
        rxPackets: s.rx.packets, txPackets: s.tx.packets, rxBytes: s.rx.bytes, txBytes: s.tx.bytes,
        rxDropped: s.rx.dropped, txDropped: s.tx.dropped,
      };
      if (l.master !== undefined) c.master = l.master;
      return [c];
    });
  }

  close(): void {}
}

/** The addon's source when it loads, else the iproute2 fallback; `prefer` forces one. */
export function createLinkCounters(opts: LinkSourceOptions & { prefer?: 'netlink' | 'iproute2' } = {}): LinkCounterSource {
  const addon = opts.prefer === 'iproute2' ? undefined : loadNative();
  if (addon) return new NetlinkLinkCounters(addon, opts);
  if (opts.prefer === 'netlink') throw new KernelError('E_NATIVE_UNAVAILABLE', 'native addon not loadable');
  return new IpLinkCounters(opts);
}
