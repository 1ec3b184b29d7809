/** The model behind `fwctl top`: parse an exposition, turn two snapshots into rates, render. */

export type Snapshot = Map<string, number>; // `name{labels}` → value

export function parseExposition(text: string): Snapshot {
  const out: Snapshot = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    const v = Number(line.slice(cut + 1));
    if (cut > 0 && Number.isFinite(v)) out.set(line.slice(0, cut), v);
  }
  return out;
}

function labels(series: string): Record<string, string> {
  const out: Record<string, string> = {};
  const body = /\{(.*)\}$/.exec(series)?.[1] ?? '';
  for (const m of body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) out[m[1]!] = m[2]!;
  return out;
}

export interface Row {
  key: string;
  rate: number;
  total: number;
  bytesRate?: number;
}

/** Per-second rates of one metric's series between two snapshots, busiest first. */
export function rates(prev: Snapshot, cur: Snapshot, metric: string, seconds: number, key: (l: Record<string, string>) => string): Row[] {
  const rows = new Map<string, Row>();
  for (const [series, v] of cur) {
    if (!series.startsWith(`${metric}{`)) continue;
    const k = key(labels(series));
    const before = prev.get(series) ?? v;
    const row = rows.get(k) ?? { key: k, rate: 0, total: 0 };
    row.rate += Math.max(0, v - before) / seconds;
    row.total += v;
    rows.set(k, row);
  }
  return [...rows.values()].sort((a, b) => b.rate - a.rate || b.total - a.total);
}

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : n.toFixed(n % 1 ? 1 : 0));

export function render(prev: Snapshot, cur: Snapshot, seconds: number, limit = 10): string {
  const guestKey = (l: Record<string, string>) => `${l.vmid ?? '?'} ${l.iface ?? ''} ${l.bridge ?? ''}`;
  const rx = rates(prev, cur, 'fwctl_guest_receive_packets_total', seconds, guestKey);
  const tx = new Map(rates(prev, cur, 'fwctl_guest_transmit_packets_total', seconds, guestKey).map((r) => [r.key, r]));
  const guests = rx.map((r) => ({ key: r.key, rx: r.rate, tx: tx.get(r.key)?.rate ?? 0 })).sort((a, b) => b.rx + b.tx - (a.rx + a.tx));
  const rules = rates(prev, cur, 'fwctl_rule_matches_total', seconds, (l) => `${l.scope}${l.vmid ? `/${l.vmid}` : ''} ${l.direction} ${l.pos} ${l.action}`);
  const drops = rates(prev, cur, 'fwctl_blacklist_drops_total', seconds, (l) => l.prefix ?? '');
  const lines = ['GUEST  IFACE        BRIDGE   RX pkt/s   TX pkt/s'];
  for (const g of guests.slice(0, limit)) {
    const [vmid, iface, bridge] = g.key.split(' ');
    lines.push(`${vmid!.padEnd(6)} ${iface!.padEnd(12)} ${bridge!.padEnd(8)} ${fmt(g.rx).padStart(8)}   ${fmt(g.tx).padStart(8)}`);
  }
  lines.push('', 'RULE (scope dir pos action)                 pkt/s      total');
  for (const r of rules.slice(0, limit)) lines.push(`${r.key.padEnd(42)} ${fmt(r.rate).padStart(7)} ${fmt(r.total).padStart(10)}`);
  if (drops.some((d) => d.total > 0)) {
    lines.push('', 'BLACKLIST PREFIX                            drops/s    total');
    for (const d of drops.slice(0, limit)) lines.push(`${d.key.padEnd(42)} ${fmt(d.rate).padStart(7)} ${fmt(d.total).padStart(10)}`);
  }
  return lines.join('\n');
}
