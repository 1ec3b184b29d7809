/**
 * A quiet lab for exact counts: one guest (tap100i0) and an outside host on vmbr0, IPv6 off on
 * every link (no NDP, MLD or router solicitations) and permanent neighbour entries (no ARP), so
 * the only packets on the port are the ones a test sends.
 */
import { Lab } from '../../src/lab/index.js';

export const GUEST_IP = '10.77.0.100';
export const OUTSIDE_IP = '10.77.0.50';
const GUEST_MAC = '02:00:00:77:00:64';
const OUTSIDE_MAC = '02:00:00:77:00:32';

async function must(lab: Lab, ns: string, cmd: string, args: string[]): Promise<void> {
  const r = await lab.run(ns, cmd, args);
  if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${ns}: ${r.stderr}`);
}

export async function quietLab(prefix: string): Promise<Lab> {
  const lab = await Lab.create({
    prefix,
    bridges: [{ name: 'vmbr0' }],
    guests: [{ vmid: 100, type: 'qemu', bridge: 'vmbr0', mac: GUEST_MAC, ipv4: `${GUEST_IP}/24` }],
    outside: { bridge: 'vmbr0', ipv4: `${OUTSIDE_IP}/24` },
  });
  try {
    const out = lab.outside!;
    await must(lab, out, 'ip', ['link', 'set', 'eth0', 'address', OUTSIDE_MAC]);
    for (const ns of [lab.host, lab.guestNs(100), out]) await must(lab, ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
    await must(lab, lab.guestNs(100), 'ip', ['neigh', 'replace', OUTSIDE_IP, 'lladdr', OUTSIDE_MAC, 'dev', 'eth0', 'nud', 'permanent']);
    await must(lab, out, 'ip', ['neigh', 'replace', GUEST_IP, 'lladdr', GUEST_MAC, 'dev', 'eth0', 'nud', 'permanent']);
  } catch (e) {
    await lab.dispose();
    throw e;
  }
  return lab;
}

/** `count` echo requests, 10 ms apart; each is answered once (so: count out, count back). */
export async function pings(lab: Lab, ns: string, addr: string, count: number): Promise<number> {
  const r = await lab.run(ns, 'ping', ['-n', '-q', '-c', String(count), '-i', '0.01', '-W', '1', addr]);
  const m = /(\d+) received/.exec(r.stdout);
  return m ? Number(m[1]) : 0;
}
