import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftApplier } from '../../src/apply/index.js';
import { ensureBridgeNf } from '../../src/apply/sysctl.js';
import { Lab } from '../../src/lab/index.js';
import { compileFiles } from './pipeline.js';

const tree = (): Record<string, string> => ({
  'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0\n',
  'nodes/pve1/qemu-server/102.conf': 'net0: virtio=BC:24:11:00:01:02,bridge=vmbr0\n',
  'nodes/pve1/qemu-server/101.conf': 'net0: virtio=BC:24:11:00:01:01,bridge=vmbr1\n',
  'firewall/cluster.fw': '[OPTIONS]\nenable: 1\npolicy_forward: DROP\n\n[RULES]\nFORWARD ACCEPT -p tcp -dport 22\nFORWARD REJECT -p tcp -dport 25\n',
  'nodes/pve1/host.fw': '[OPTIONS]\nenable: 1\n',
});

describe('routed traffic: FORWARD rules and policy_forward, real packets', () => {
  let lab: Lab;
  let applier: NftApplier;

  beforeAll(async () => {
    lab = await Lab.create({
      prefix: 'fwtest-x',
      bridges: [
        { name: 'vmbr0', ipv4: '10.1.0.1/24' },
        { name: 'vmbr1', ipv4: '10.2.0.1/24' },
      ],
      guests: [
        { vmid: 100, type: 'qemu', bridge: 'vmbr0', mac: 'bc:24:11:00:01:00', ipv4: '10.1.0.100/24', gateway4: '10.1.0.1' },
        { vmid: 102, type: 'qemu', bridge: 'vmbr0', mac: 'bc:24:11:00:01:02', ipv4: '10.1.0.102/24', gateway4: '10.1.0.1' },
        { vmid: 101, type: 'qemu', bridge: 'vmbr1', mac: 'bc:24:11:00:01:01', ipv4: '10.2.0.101/24', gateway4: '10.2.0.1' },
      ],
    });
    await ensureBridgeNf(lab.execIn(lab.host));
    const fwd = await lab.run(lab.host, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
    expect(fwd.exitCode).toBe(0);
    applier = new NftApplier({ netns: lab.host });
    const ports = [22, 23, 25].map((port) => ({ proto: 'tcp' as const, port }));
    await lab.listen(lab.guestNs(101), ports);
    await lab.listen(lab.guestNs(102), ports);
    expect((await applier.apply(compileFiles(tree()))).mode).toBe('full');
  });
  afterAll(async () => {
    await applier?.stop().catch(() => undefined);
    await lab?.dispose();
  });

  it('routed: FORWARD ACCEPT opens, REJECT refuses, policy_forward DROP times out', async () => {
    const v = await lab.probe(lab.guestNs(100), [
      { proto: 'tcp', addr: '10.2.0.101', port: 22 },
      { proto: 'tcp', addr: '10.2.0.101', port: 25 },
      { proto: 'tcp', addr: '10.2.0.101', port: 23, timeoutMs: 500 },
    ]);
    expect(v).toEqual(['open', 'refused', 'timeout']);
  });

  it('bridged on one bridge: untouched by policy_forward', async () => {
    expect(await lab.tcp(lab.guestNs(100), '10.1.0.102', 23)).toBe('open');
  });

  it('counts the policy drop in its named counter', async () => {
    const r = await lab.run(lab.host, 'nft', ['-j', 'list', 'counter', 'inet', 'fwctl', 'c-host-policy-forward']);
    expect(r.exitCode).toBe(0);
    const packets = (JSON.parse(r.stdout) as { nftables: { counter?: { packets: number } }[] }).nftables.find((x) => x.counter)?.counter?.packets;
    expect(packets).toBeGreaterThan(0);
  });
});
