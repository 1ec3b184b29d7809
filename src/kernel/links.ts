/**
 * Link counters for every link of a namespace, from the port's point of view (rx = received by
 * the port). Two sources with the same interface: the addon (one RTM_GETSTATS dump per read,
 * names from a cached RTM_GETLINK dump) and `ip -s -j link` when the addon cannot load.
 */
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
  /** Re-read link names at least this often even when no link came or went (renames). */
  namesMaxAgeMs?: number;
  now?: () => number;
}

const ROW = 7;

export class NetlinkLinkCounters implements LinkCounterSource {
  readonly kind = 'netlink';
  private readonly ns: NetnsHandle;
  private names = new Map<number, { name: string; master: number }>();
  private namesAt = -Infinity;
  private readonly now: () => number;

  constructor(private readonly addon: NativeAddon, private readonly opts: LinkSourceOptions = {}) {
    this.ns = NetnsHandle.open(opts.netns);
    this.now = opts.now ?? (() => performance.now());
  }

  async read(): Promise<LinkCounters[]> {
    let rows: Float64Array;
    try {
      rows = await this.addon.linkStats(this.ns.fd);
    } catch (e) {
      throw fromNative(e);
    }
    const n = rows.length / ROW;
    if (this.namesStale(rows, n)) await this.refreshNames();
    const out: LinkCounters[] = [];
    for (let i = 0; i < n; i++) {
      const o = i * ROW;
      const ifindex = rows[o]!;
      const link = this.names.get(ifindex);
      if (!link) continue; // created after the names dump; next read has it
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

  /** Links came or went (different ifindex set), or the names are older than namesMaxAgeMs. */
  private namesStale(rows: Float64Array, n: number): boolean {
    if (this.now() - this.namesAt > (this.opts.namesMaxAgeMs ?? 30_000)) return true;
    if (n !== this.names.size) return true;
    for (let i = 0; i < n; i++) if (!this.names.has(rows[i * ROW]!)) return true;
    return false;
  }

  /** Forces a names dump on the next read (call on link change events). */
  invalidate(): void {
    this.namesAt = -Infinity;
  }

  private async refreshNames(): Promise<void> {
    try {
      const links = await this.addon.linkNames(this.ns.fd);
      this.names = new Map(links.map((l) => [l.ifindex, { name: l.name, master: l.master }]));
      this.namesAt = this.now();
    } catch (e) {
      throw fromNative(e);
    }
  }

  close(): void {
    this.ns.close();
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
