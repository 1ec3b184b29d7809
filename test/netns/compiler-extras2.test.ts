import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftApplier } from '../../src/apply/index.js';
import { ensureBridgeNf } from '../../src/apply/sysctl.js';
import { Lab } from '../../src/lab/index.js';
import { compileFiles } from './pipeline.js';

const tree = (): Record<string, string> => ({
  'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
  'nodes/pve1/qemu-server/102.conf': 'net0: virtio=BC:24:11:00:01:02,bridge=vmbr0,firewall=1\n',
  'nodes/pve1/qemu-server/101.conf': 'net0: virtio=BC:24:11:00:01:01,bridge=vmbr1,firewall=1\n',
  // 100 may send ARP and IPv4 frames only
  'firewall/100.fw': '[OPTIONS]\nenable: 1\nlayer2_protocols: ARP,IPv4\n',
  'firewall/102.fw': '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n',
  'firewall/101.fw': '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n',
  'firewall/cluster.fw': '[OPTIONS]\nenable: 1\npolicy_forward: DROP\n\n[RULES]\nGROUP fwd\n\n[group fwd]\nFORWARD ACCEPT -p tcp -dport 22\n',
  'nodes/pve1/host.fw': '[OPTIONS]\nenable: 1\n',
});

async function counter(lab: Lab, family: string, name: string): Promise<number> {
  const r = await lab.run(lab.host, 'nft', ['-j', 'list', 'counter', family, 'fwctl', name]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { nftables: { counter?: { packets: number } }[] }).nftables.find((x) => x.counter)?.counter?.packets ?? -1;
}

describe('layer2_protocols and FORWARD security groups, real packets', () => {
  let lab: Lab;
  let applier: NftApplier;

  beforeAll(async () => {
    lab = await Lab.create({
      prefix: 'fwtest-j',
      bridges: [
        { name: 'vmbr0', ipv4: '10.1.0.1/24', ipv6: 'fd00:1::1/64' },
        { name: 'vmbr1', ipv4: '10.2.0.1/24' },
      ],
      guests: [
        { vmid: 100, type: 'qemu', bridge: 'vmbr0', mac: 'bc:24:11:00:01:00', ipv4: '10.1.0.100/24', ipv6: 'fd00:1::100/64', gateway4: '10.1.0.1' },
        { vmid: 102, type: 'qemu', bridge: 'vmbr0', mac: 'bc:24:11:00:01:02', ipv4: '10.1.0.102/24', ipv6: 'fd00:1::102/64', gateway4: '10.1.0.1' },
        { vmid: 101, type: 'qemu', bridge: 'vmbr1', mac: 'bc:24:11:00:01:01', ipv4: '10.2.0.101/24', gateway4: '10.2.0.1' },
      ],
    });
    await ensureBridgeNf(lab.execIn(lab.host));
    const fwd = await lab.run(lab.host, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    expect(fwd.exitCode).toBe(0);
    applier = new NftApplier({ netns: lab.host });
    const ports = [22, 23].map((port) => ({ proto: 'tcp' as const, port }));
    await lab.listen(lab.guestNs(101), ports);
    await lab.listen(lab.guestNs(102), ports);
    await lab.listen(lab.guestNs(100), ports);
    expect((await applier.apply(compileFiles(tree()))).mode).toBe('full');
  });
  afterAll(async () => {
    await applier?.stop().catch(() => undefined);
    await lab?.dispose();
  });

  it('layer2_protocols ARP,IPv4: the guest reaches its neighbour over IPv4, its IPv6 frames are dropped and counted', async () => {
    const before = await counter(lab, 'bridge', 'c-guest-100-layer2-net0');
    expect(await lab.tcp(lab.guestNs(100), '10.1.0.102', 22)).toBe('open');
    expect(await lab.tcp(lab.guestNs(100), 'fd00:1::102', 22, 700)).toBe('timeout');
    expect(await counter(lab, 'bridge', 'c-guest-100-layer2-net0')).toBeGreaterThan(before);
  });

  it('with IPv6 in the list, the same IPv6 connection opens', async () => {
    const files = { ...tree(), 'firewall/100.fw': '[OPTIONS]\nenable: 1\nlayer2_protocols: ARP,IPv4,IPv6\n' };
    await applier.apply(compileFiles(files));
    expect(await lab.tcp(lab.guestNs(100), 'fd00:1::102', 22)).toBe('open');
    await applier.apply(compileFiles(tree()));
  });

  it('a GROUP rule in cluster.fw applies its FORWARD rules to routed traffic', async () => {
    const v = await lab.probe(lab.guestNs(100), [
      { proto: 'tcp', addr: '10.2.0.101', port: 22 },
      { proto: 'tcp', addr: '10.2.0.101', port: 23, timeoutMs: 500 },
    ]);
    expect(v).toEqual(['open', 'timeout']);
    expect(await counter(lab, 'inet', 'c-group-fwd-forward-0')).toBeGreaterThan(0);
    expect(await counter(lab, 'inet', 'c-host-policy-forward')).toBeGreaterThan(0);
  });

  it('guest policy counters are per NIC', async () => {
    expect(await counter(lab, 'inet', 'c-guest-100-policy-out-net0')).toBeGreaterThan(0);
  });
});
