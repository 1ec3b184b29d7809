/**
 * Per-guest traffic from the guest's point of view: what the guest receives is what its port
 * sends (port tx), what the guest transmits is what its port receives (port rx).
 */
import type { Ebpf } from '../kernel/ebpf.js';
import { parseGuestPort } from '../kernel/guest-port.js';
import type { LinkCounterSource, LinkCounters } from '../kernel/links.js';

export interface GuestSample {
  vmid: number;
  nic: number;
  iface: string;
  /** The port's bridge, '' when the port has no master. */
  bridge: string;
  receivePackets: number;
  transmitPackets: number;
  receiveBytes: number;
  transmitBytes: number;
}

export type GuestReader = () => Promise<GuestSample[]>;

function guestLinks(links: LinkCounters[]): { link: LinkCounters; vmid: number; nic: number }[] {
  return links.flatMap((link) => {
    const p = parseGuestPort(link.name);
    return p ? [{ link, vmid: p.vmid, nic: p.nic }] : [];
  });
}

/** Guest counters from the link counters of their ports (one netlink dump). */
export function linkGuestReader(source: LinkCounterSource): GuestReader {
  return async () =>
    guestLinks(await source.read()).map(({ link, vmid, nic }) => ({
      vmid, nic, iface: link.name, bridge: link.master ?? '',
      receivePackets: link.txPackets, transmitPackets: link.rxPackets,
      receiveBytes: link.txBytes, transmitBytes: link.rxBytes,
    }));
}

/** Guest counters from the tc counter program's map (one batch read); ports without it are left out. */
export function ebpfGuestReader(ebpf: Ebpf, source: LinkCounterSource): GuestReader {
  return async () => {
    const [links, ports] = await Promise.all([source.read(), ebpf.readPorts()]);
    return guestLinks(links).flatMap(({ link, vmid, nic }) => {
      const c = ports.get(link.ifindex);
      if (!c) return [];
      return [{
        vmid, nic, iface: link.name, bridge: link.master ?? '',
        receivePackets: c.tx.packets, transmitPackets: c.rx.packets,
        receiveBytes: c.tx.bytes, transmitBytes: c.rx.bytes,
      }];
    });
  };
}
