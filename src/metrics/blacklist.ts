/**
 * fwctl_blacklist_drops_total / fwctl_blacklist_bytes_total{prefix}: packets dropped by the XDP
 * early drop on uplink ports, one series per entry of the cluster `blacklist` IP set.
 */
import { Counter } from 'prom-client';
import type { BlacklistHits } from '../kernel/ebpf.js';
import { setCounter, type MetricsHost } from './guest.js';

export function registerBlacklistMetrics(host: MetricsHost, read: () => Promise<BlacklistHits[]>): { unregister(): void } {
  const registers: never[] = [];
  const labelNames = ['prefix'] as const;
  const drops = host.registerMetric(new Counter({ name: 'fwctl_blacklist_drops_total', help: 'Packets from blacklisted sources dropped on uplink ports before netfilter', labelNames, registers }));
  const bytes = host.registerMetric(new Counter({ name: 'fwctl_blacklist_drop_bytes_total', help: 'Bytes from blacklisted sources dropped on uplink ports before netfilter', labelNames, registers }));
  const off = host.registerCollector('blacklist-counters', async () => {
    const hits = await read();
    setCounter(drops, hits.map((h) => [{ prefix: h.prefix }, h.packets]));
    setCounter(bytes, hits.map((h) => [{ prefix: h.prefix }, h.bytes]));
  });
  return { unregister: off };
}
