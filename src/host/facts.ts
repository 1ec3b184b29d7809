import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ipaddr from 'ipaddr.js';

/** What host detection found, and where each value came from (for `fwctl localnet`). */
export interface DetectedFacts {
  hostIPv4?: string;
  hostIPv6?: string;
  localNetwork?: string;
  source: { hostIP: 'option' | 'hosts-file' | 'interface' | 'none'; localNetwork: 'option' | 'interface' | 'none' };
}

interface IfAddr {
  ifname: string;
  family: 'inet' | 'inet6';
  local: string;
  prefixlen: number;
  scope: string;
}

function interfaceAddresses(): IfAddr[] {
  try {
    const out = execFileSync('ip', ['-j', 'addr', 'show'], { encoding: 'utf8', timeout: 5000 });
    const links = JSON.parse(out) as { ifname: string; addr_info?: Omit<IfAddr, 'ifname'>[] }[];
    return links.flatMap((l) => (l.addr_info ?? []).map((a) => ({ ...a, ifname: l.ifname })));
  } catch {
    return [];
  }
}

/** pve-firewall takes the node's address from its name; /etc/hosts is where PVE keeps it. */
function addressFromHostsFile(node: string): string | undefined {
  let text: string;
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [addr, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!addr || !ipaddr.IPv4.isValid(addr) || addr.startsWith('127.')) continue;
    if (names.some((n) => n === node || n.split('.')[0] === node)) return addr;
  }
  return undefined;
}

function networkOf(addr: string, addrs: IfAddr[]): string | undefined {
  const ip = ipaddr.parse(addr);
  for (const a of addrs) {
    const net = ipaddr.parse(a.local);
    if (net.kind() !== ip.kind()) continue;
    if (ip.match(net, a.prefixlen)) {
      const base = ipaddr.IPv4.networkAddressFromCIDR(`${a.local}/${a.prefixlen}`);
      return `${base.toString()}/${a.prefixlen}`;
    }
  }
  return undefined;
}

/** Detects host facts; explicit options win and make results reproducible anywhere. */
export function detectHostFacts(node: string, opts: { hostIp?: string; localNetwork?: string }): DetectedFacts {
  const addrs = opts.hostIp && opts.localNetwork ? [] : interfaceAddresses();
  let hostIPv4 = opts.hostIp;
  let hostSource: DetectedFacts['source']['hostIP'] = hostIPv4 ? 'option' : 'none';
  if (!hostIPv4) {
    hostIPv4 = addressFromHostsFile(node);
    if (hostIPv4) hostSource = 'hosts-file';
  }
  if (!hostIPv4) {
    hostIPv4 = addrs.find((a) => a.family === 'inet' && a.scope === 'global')?.local;
    if (hostIPv4) hostSource = 'interface';
  }
  let localNetwork = opts.localNetwork;
  let netSource: DetectedFacts['source']['localNetwork'] = localNetwork ? 'option' : 'none';
  if (!localNetwork && hostIPv4 && ipaddr.IPv4.isValid(hostIPv4)) {
    localNetwork = networkOf(hostIPv4, addrs.filter((a) => a.family === 'inet'));
    if (localNetwork) netSource = 'interface';
  }
  const hostIPv6 = addrs.find((a) => a.family === 'inet6' && a.scope === 'global')?.local;
  const facts: DetectedFacts = { source: { hostIP: hostSource, localNetwork: netSource } };
  if (hostIPv4) facts.hostIPv4 = hostIPv4;
  if (hostIPv6) facts.hostIPv6 = hostIPv6;
  if (localNetwork) facts.localNetwork = localNetwork;
  return facts;
}
