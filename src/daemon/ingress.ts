import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import type { Ingress } from './lockout.js';

const GUEST_PORT = /^(tap|veth|fwln|fwpr)\d+/;

/** Finds the interface that holds `serverIp` (and, for a bridge, a non-guest port of it). */
export function findIngress(serverIp: string): Ingress {
  let iface = 'eth0';
  try {
    const links = JSON.parse(execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8', timeout: 5000 })) as
      { ifname: string; addr_info?: { local: string }[] }[];
    const want = ipaddr.parse(serverIp).toNormalizedString();
    const hit = links.find((l) => (l.addr_info ?? []).some((a) => ipaddr.isValid(a.local) && ipaddr.parse(a.local).toNormalizedString() === want));
    if (hit) iface = hit.ifname;
  } catch {
    // keep the default: the check then assumes the usual uplink name
  }
  const brif = `/sys/class/net/${iface}/brif`;
  if (!existsSync(brif)) return { iface };
  const ports = readdirSync(brif).filter((p) => !GUEST_PORT.test(p)).sort();
  return { iface, bridgePort: ports[0] ?? 'eth0' };
}
