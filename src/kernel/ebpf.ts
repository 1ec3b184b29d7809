/**
 * eBPF programs of native/bpf: per-port tc counters and the XDP blacklist drop. Programs and maps
 * are pinned under one directory of the BPF filesystem; maps are reused across restarts (counters
 * survive), programs are reloaded and re-attached by reconcile. tc filters and XDP programs
 * outlive the process (libbpf 1.1 has no TCX links), so `detachAll` removes them on a clean stop.
 */
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { KernelError, badArgument, fromNative } from './errors.js';
import { projectRoot, requireNative, type NativeAddon } from './native.js';
import { NetnsHandle } from './netns.js';
import { LPM_KEY_SIZE, decodePrefix, encodePrefix } from './lpm.js';

export const BPF_FS = '/sys/fs/bpf';
export const DEFAULT_PIN_DIR = `${BPF_FS}/fwctl`;
/** tc filter priority of fwctl's counter program (handle 1); nothing else of ours uses it. */
export const TC_PRIORITY = 0xfc01;
export const PROG = { countIn: 'fwctl_count_in', countOut: 'fwctl_count_out', blacklist: 'fwctl_blacklist_xdp' } as const;
export const MAP = { ports: 'fwctl_ports', blacklist: 'fwctl_blacklist' } as const;
/** Kernel program names are cut at 15 characters; every fwctl program starts with this. */
const OURS = 'fwctl_';

const XDP_FLAGS_SKB_MODE = 1 << 1;
const XDP_FLAGS_DRV_MODE = 1 << 2;

export interface EbpfOptions {
  /** Directory on the BPF filesystem for pins; must lie under /sys/fs/bpf. */
  pinDir?: string;
  /** Directory with counters.bpf.o and blacklist.bpf.o (default build/bpf of the project). */
  objDir?: string;
  /** Named network namespace of the ports (default: the caller's). */
  netns?: string;
}

export interface PortCounters {
  /** Received by the port from its peer (tc ingress): for a guest tap, sent by the guest. */
  rx: { packets: number; bytes: number };
  /** Sent by the port to its peer (tc egress): for a guest tap, received by the guest. */
  tx: { packets: number; bytes: number };
}

export interface BlacklistHits {
  prefix: string;
  packets: number;
  bytes: number;
}

export interface AttachReport {
  attached: string[];
  detached: string[];
  /** Links that could not be handled, with the errno name. */
  failed: { iface: string; code: string }[];
}

function pinDirOf(opts: EbpfOptions): string {
  const dir = opts.pinDir ?? DEFAULT_PIN_DIR;
  if (!/^\/sys\/fs\/bpf\/[A-Za-z0-9_.-]+$/.test(dir) || dir.endsWith('/..')) throw badArgument(`pin directory must be /sys/fs/bpf/<name>: ${dir}`);
  return dir;
}

const ERRNO: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 16: 'EBUSY', 19: 'ENODEV', 22: 'EINVAL', 95: 'EOPNOTSUPP' };
const errnoName = (n: number) => ERRNO[n] ?? `E${n}`;

export class Ebpf {
  private constructor(
    private readonly addon: NativeAddon,
    private readonly ns: NetnsHandle,
    readonly pinDir: string,
  ) {}

  /** Mounts the BPF filesystem if needed and loads both objects (reusing pinned maps). */
  static async open(opts: EbpfOptions = {}): Promise<Ebpf> {
    const addon = requireNative();
    const pinDir = pinDirOf(opts);
    const objDir = opts.objDir ?? join(projectRoot(), 'build', 'bpf');
    try {
      await addon.mountBpffs(BPF_FS);
      await addon.loadObject(join(objDir, 'counters.bpf.o'), pinDir);
      await addon.loadObject(join(objDir, 'blacklist.bpf.o'), pinDir);
    } catch (e) {
      throw fromNative(e);
    }
    return new Ebpf(addon, NetnsHandle.open(opts.netns), pinDir);
  }

  /** A handle on what an earlier run pinned and attached, without loading anything. */
  static existing(opts: EbpfOptions = {}): Ebpf {
    return new Ebpf(requireNative(), NetnsHandle.open(opts.netns), pinDirOf(opts));
  }

  private pin(name: string): string {
    return `${this.pinDir}/${name}`;
  }

  private async links(): Promise<Map<string, number>> {
    try {
      return new Map((await this.addon.linkNames(this.ns.fd)).map((l) => [l.name, l.ifindex]));
    } catch (e) {
      throw fromNative(e);
    }
  }

  private async isOurs(progId: number): Promise<boolean> {
    if (!progId) return false;
    try {
      return (await this.addon.progInfo(progId)).name.startsWith(OURS);
    } catch {
      return false; // gone meanwhile
    }
  }

  /**
   * Puts the counter program on exactly `ifaces` (both directions): attaches (or replaces) it
   * there and removes it from every other link of the namespace that carries an fwctl program.
   */
  async reconcilePorts(ifaces: string[]): Promise<AttachReport> {
    const links = await this.links();
    const report: AttachReport = { attached: [], detached: [], failed: [] };
    const want = ifaces.filter((i) => links.has(i));
    for (const i of ifaces) if (!links.has(i)) report.failed.push({ iface: i, code: 'ENODEV' });
    const wantIdx = want.map((i) => links.get(i)!);
    try {
      for (const [ingress, prog] of [[true, PROG.countIn], [false, PROG.countOut]] as const) {
        if (!wantIdx.length) break; // nothing to attach (detachAll runs without pins)
        const res = await this.addon.tcAttach(this.ns.fd, this.pin(prog), wantIdx, ingress, TC_PRIORITY);
        res.forEach((rc, k) => {
          if (rc !== 0) report.failed.push({ iface: want[k]!, code: errnoName(rc) });
        });
      }
      report.attached = want.filter((i) => !report.failed.some((f) => f.iface === i));
      const others = [...links].filter(([name]) => !want.includes(name));
      report.detached = await this.detachTc(others);
    } catch (e) {
      throw fromNative(e);
    }
    return report;
  }

  private async detachTc(links: [string, number][]): Promise<string[]> {
    const detached = new Set<string>();
    for (const ingress of [true, false]) {
      const ids = await this.addon.tcQuery(this.ns.fd, links.map(([, i]) => i), ingress, TC_PRIORITY);
      const ours: [string, number][] = [];
      for (const [k, id] of ids.entries()) if (await this.isOurs(id)) ours.push(links[k]!);
      await this.addon.tcDetach(this.ns.fd, ours.map(([, i]) => i), ingress, TC_PRIORITY);
      for (const [name] of ours) detached.add(name);
    }
    return [...detached];
  }

  /** Puts the blacklist XDP program on exactly `uplinks` (native mode, else generic). */
  async reconcileUplinks(uplinks: string[]): Promise<AttachReport> {
    const links = await this.links();
    const report: AttachReport = { attached: [], detached: [], failed: [] };
    for (const [name, ifindex] of links) {
      const current = await this.xdpQuery(ifindex);
      if (uplinks.includes(name)) {
        if (current && !(await this.isOurs(current))) {
          report.failed.push({ iface: name, code: 'EBUSY' }); // someone else's XDP program
          continue;
        }
        const code = await this.xdpAttach(ifindex);
        if (code) report.failed.push({ iface: name, code });
        else report.attached.push(name);
      } else if (await this.isOurs(current)) {
        await this.xdpDetach(ifindex);
        report.detached.push(name);
      }
    }
    for (const u of uplinks) if (!links.has(u)) report.failed.push({ iface: u, code: 'ENODEV' });
    return report;
  }

  private async xdpQuery(ifindex: number): Promise<number> {
    try {
      return await this.addon.xdpQuery(this.ns.fd, ifindex, 0);
    } catch {
      return 0;
    }
  }

  private async xdpAttach(ifindex: number): Promise<string | undefined> {
    let code = 'EUNKNOWN';
    for (const mode of [XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE]) {
      try {
        await this.addon.xdpAttach(this.ns.fd, ifindex, this.pin(PROG.blacklist), mode);
        return undefined;
      } catch (e) {
        code = fromNative(e).code;
      }
    }
    return code;
  }

  private async xdpDetach(ifindex: number): Promise<void> {
    for (const mode of [XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE]) {
      try {
        await this.addon.xdpDetach(this.ns.fd, ifindex, mode);
      } catch {
        // not attached in this mode
      }
    }
  }

  /** All per-port counters in one batch read, summed over CPUs, keyed by ifindex. */
  async readPorts(): Promise<Map<number, PortCounters>> {
    let dump;
    try {
      dump = await this.addon.mapLookupAll(this.pin(MAP.ports));
    } catch (e) {
      throw fromNative(e);
    }
    const out = new Map<number, PortCounters>();
    const stride = dump.valueSize / dump.cpus;
    for (let i = 0; i < dump.count; i++) {
      const ifindex = dump.keys.readUInt32LE(i * dump.keySize);
      const dir = dump.keys.readUInt32LE(i * dump.keySize + 4);
      let packets = 0;
      let bytes = 0;
      for (let c = 0; c < dump.cpus; c++) {
        const o = i * dump.valueSize + c * stride;
        packets += Number(dump.values.readBigUInt64LE(o));
        bytes += Number(dump.values.readBigUInt64LE(o + 8));
      }
      const e = out.get(ifindex) ?? { rx: { packets: 0, bytes: 0 }, tx: { packets: 0, bytes: 0 } };
      e[dir === 0 ? 'rx' : 'tx'] = { packets, bytes };
      out.set(ifindex, e);
    }
    return out;
  }

  /**
   * Makes the blacklist trie hold exactly `prefixes`: adds the missing ones, deletes the others;
   * prefixes that stay keep their hit counts.
   */
  async syncBlacklist(prefixes: string[]): Promise<{ added: string[]; removed: string[] }> {
    const want = new Map(prefixes.map((p) => encodePrefix(p)).map((p) => [p.text, p.key]));
    const have = await this.readBlacklist();
    const removed = have.filter((h) => !want.has(h.prefix)).map((h) => h.prefix);
    const added = [...want.keys()].filter((p) => !have.some((h) => h.prefix === p));
    try {
      if (removed.length) {
        const keys = Buffer.concat(removed.map((p) => encodePrefix(p).key));
        await this.addon.mapWrite(this.pin(MAP.blacklist), keys, null, removed.length, 0);
      }
      if (added.length) {
        const keys = Buffer.concat(added.map((p) => want.get(p)!));
        const res = await this.addon.mapWrite(this.pin(MAP.blacklist), keys, Buffer.alloc(16 * added.length), added.length, 1 /* BPF_NOEXIST */);
        const bad = res.findIndex((rc) => rc !== 0 && rc !== 17 /* EEXIST */);
        if (bad >= 0) throw new KernelError(errnoName(res[bad]!), `blacklist update failed for ${added[bad]}`, -res[bad]!, 'bpf_map_update_elem');
      }
    } catch (e) {
      throw fromNative(e);
    }
    return { added, removed };
  }

  async readBlacklist(): Promise<BlacklistHits[]> {
    let dump;
    try {
      dump = await this.addon.mapLookupAll(this.pin(MAP.blacklist));
    } catch (e) {
      throw fromNative(e);
    }
    const out: BlacklistHits[] = [];
    for (let i = 0; i < dump.count; i++) {
      const key = dump.keys.subarray(i * LPM_KEY_SIZE, (i + 1) * LPM_KEY_SIZE);
      const o = i * dump.valueSize;
      out.push({ prefix: decodePrefix(key), packets: Number(dump.values.readBigUInt64LE(o)), bytes: Number(dump.values.readBigUInt64LE(o + 8)) });
    }
    return out;
  }

  close(): void {
    this.ns.close();
  }
}

/**
 * Removes every fwctl tc filter and XDP program from the links of the namespace and deletes the
 * pins (maps and their counters go with them). Safe to call when nothing is attached. For
 * `fwctl stop`.
 */
export async function detachAll(opts: EbpfOptions = {}): Promise<AttachReport> {
  const e = Ebpf.existing(opts);
  try {
    const tc = await e.reconcilePorts([]);
    const xdp = await e.reconcileUplinks([]);
    await rm(e.pinDir, { recursive: true, force: true });
    return { attached: [], detached: [...new Set([...tc.detached, ...xdp.detached])], failed: [...tc.failed, ...xdp.failed] };
  } finally {
    e.close();
  }
}
