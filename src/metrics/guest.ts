/**
 * fwctl_guest_{receive,transmit}_{packets,bytes}_total{vmid,nic,iface,bridge}: one series per
 * guest NIC port present on the host (bounded by the number of guest NICs).
 */
import { Counter } from 'prom-client';
import type { Collector } from './registry.js';
import type { GuestReader, GuestSample } from './guest-source.js';

export interface MetricsHost {
  registerMetric<T extends Counter<string>>(metric: T): T;
  registerCollector(name: string, fn: Collector): () => void;
  registerExposition(name: string, render: () => string): () => void;
}

const LABELS = ['vmid', 'nic', 'iface', 'bridge'] as const;
type Labels = Record<(typeof LABELS)[number], string>;

/** Replaces a counter's series with absolute values read from the kernel, in one synchronous step. */
export function setCounter<L extends string>(c: Counter<L>, rows: [Partial<Record<L, string | number>>, number][]): void {
  c.reset();
  for (const [labels, v] of rows) c.inc(labels, Math.max(0, v));
}

export interface GuestMetrics {
  /** The samples of the last scrape. */
  last(): GuestSample[];
  unregister(): void;
}

export function registerGuestMetrics(host: MetricsHost, read: GuestReader): GuestMetrics {
  const registers: never[] = [];
  const mk = (name: string, help: string) =>
    host.registerMetric(new Counter({ name, help, labelNames: LABELS, registers }));
  const m = {
    rxp: mk('fwctl_guest_receive_packets_total', 'Packets received by the guest NIC (sent to it by its port)'),
    txp: mk('fwctl_guest_transmit_packets_total', 'Packets transmitted by the guest NIC (received by its port)'),
    rxb: mk('fwctl_guest_receive_bytes_total', 'Bytes received by the guest NIC (sent to it by its port)'),
    txb: mk('fwctl_guest_transmit_bytes_total', 'Bytes transmitted by the guest NIC (received by its port)'),
  };
  let last: GuestSample[] = [];
  const collect = async () => {
    const samples = await read();
    const labels = (s: GuestSample): Labels => ({ vmid: String(s.vmid), nic: `net${s.nic}`, iface: s.iface, bridge: s.bridge });
    setCounter(m.rxp, samples.map((s) => [labels(s), s.receivePackets]));
    setCounter(m.txp, samples.map((s) => [labels(s), s.transmitPackets]));
    setCounter(m.rxb, samples.map((s) => [labels(s), s.receiveBytes]));
    setCounter(m.txb, samples.map((s) => [labels(s), s.transmitBytes]));
    last = samples;
  };
  const off = host.registerCollector('guest-counters', collect);
  return { last: () => last, unregister: off };
}
