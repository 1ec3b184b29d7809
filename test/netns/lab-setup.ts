import { Lab } from '../../src/lab/index.js';

/** The standard two-guest lab of the netns tests: vmbr0 10.1.0.0/24 + fd00:1::/64. */
export function standardLab(prefix = 'fwtest-p-'): Promise<Lab> {
  return Lab.create({
    prefix,
    bridges: [{ name: 'vmbr0', ipv4: '10.1.0.1/24', ipv6: 'fd00:1::1/64' }],
    guests: [
      { vmid: 100, type: 'qemu', bridge: 'vmbr0', mac: 'bc:24:11:00:01:00', ipv4: '10.1.0.100/24', ipv6: 'fd00:1::100/64', gateway4: '10.1.0.1' },
      { vmid: 200, type: 'lxc', bridge: 'vmbr0', mac: 'bc:24:11:00:02:00', ipv4: '10.1.0.200/24', ipv6: 'fd00:1::200/64', gateway4: '10.1.0.1' },
    ],
    outside: { bridge: 'vmbr0', ipv4: '10.1.0.50/24', ipv6: 'fd00:1::50/64' },
  });
}
