import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftApplier } from '../../src/apply/index.js';
import { ensureBridgeNf } from '../../src/apply/sysctl.js';
import type { Lab } from '../../src/lab/index.js';
import { standardLab } from './lab-setup.js';
import { compileFiles } from './pipeline.js';

const guestConfs = {
  'nodes/pve1/qemu-server/100.conf': 'name: vm100\nnet0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
  'nodes/pve1/lxc/200.conf': 'hostname: ct200\nnet0: name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:00:02:00,ip=10.1.0.200/24,type=veth\n',
};

function tree(o: { blacklist?: string[]; g100Extra?: string; mgmt?: string[]; hostRules?: string } = {}): Record<string, string> {
  return {
    ...guestConfs,
    'firewall/cluster.fw': [
      '[OPTIONS]',
      'enable: 1',
      '',
      '[IPSET management]',
      ...(o.mgmt ?? ['10.1.0.50']),
      '',
      '[IPSET blacklist]',
      ...(o.blacklist ?? []),
      '',
      '[group web]',
      'IN ACCEPT -p tcp -dport 80',
      'IN ACCEPT -p udp -dport 53',
      '',
    ].join('\n'),
    'nodes/pve1/host.fw': ['[OPTIONS]', 'enable: 1', '', '[RULES]', o.hostRules ?? 'IN ACCEPT -p tcp -dport 9100', ''].join('\n'),
    'firewall/100.fw': [
      '[OPTIONS]',
      'enable: 1',
      'policy_in: DROP',
      '',
      '[RULES]',
      'IN ACCEPT -p tcp -dport 22',
      'IN REJECT -p tcp -dport 23',
      'IN ACCEPT -p icmp',
      'IN ACCEPT -p ipv6-icmp',
      'GROUP web',
      ...(o.g100Extra ? [o.g100Extra] : []),
      '',
    ].join('\n'),
    'firewall/200.fw': ['[OPTIONS]', 'enable: 1', 'policy_in: ACCEPT', 'policy_out: DROP', '', '[RULES]', 'OUT ACCEPT -p tcp -dport 22', ''].join('\n'),
  };
}

describe('config tree → compile → nft, with real packets', () => {
  let lab: Lab;
  let applier: NftApplier;
  let out: string;

  beforeAll(async () => {
    lab = await standardLab();
    out = lab.outside as string;
    await ensureBridgeNf(lab.execIn(lab.host));
    applier = new NftApplier({ netns: lab.host });
    await lab.listen(lab.guestNs(100), [
      ...[22, 23, 24, 80, 443].map((port) => ({ proto: 'tcp' as const, port })),
      { proto: 'udp', port: 53 },
      { proto: 'udp', port: 54 },
    ]);
    await lab.listen(lab.guestNs(200), [{ proto: 'tcp', port: 22 }, { proto: 'tcp', port: 80 }]);
    await lab.listen(lab.host, [22, 8006, 9100, 9101].map((port) => ({ proto: 'tcp' as const, port })));
    await lab.listen(lab.outside as string, [{ proto: 'tcp', port: 22 }, { proto: 'tcp', port: 80 }]);
    const r = await applier.apply(compileFiles(tree()));
    expect(r.mode).toBe('full');
  });
  afterAll(async () => {
    await applier?.stop().catch(() => undefined);
    await lab?.dispose();
  });

  it('guest IN: accept, REJECT as refused, policy DROP as timeout, over IPv4 and IPv6', async () => {
    const v = await lab.probe(out, [
      { proto: 'tcp', addr: '10.1.0.100', port: 22 },
      { proto: 'tcp', addr: '10.1.0.100', port: 23 },
      { proto: 'tcp', addr: '10.1.0.100', port: 24, timeoutMs: 500 },
      { proto: 'tcp', addr: 'fd00:1::100', port: 22 },
      { proto: 'tcp', addr: 'fd00:1::100', port: 23 },
      { proto: 'tcp', addr: 'fd00:1::100', port: 24, timeoutMs: 500 },
    ]);
    expect(v).toEqual(['open', 'refused', 'timeout', 'open', 'refused', 'timeout']);
  });

  it('security group rules apply (TCP and UDP), the rest is dropped', async () => {
    const v = await lab.probe(out, [
      { proto: 'tcp', addr: '10.1.0.100', port: 80 },
      { proto: 'udp', addr: '10.1.0.100', port: 53 },
      { proto: 'udp', addr: '10.1.0.100', port: 54, timeoutMs: 500 },
      { proto: 'tcp', addr: '10.1.0.100', port: 443, timeoutMs: 500 },
    ]);
    expect(v).toEqual(['open', 'open', 'timeout', 'timeout']);
  });

  it('ICMP and ICMPv6 (with neighbour discovery) reach the guest', async () => {
    expect(await lab.ping(out, '10.1.0.100')).toBe(true);
    expect(await lab.ping(out, 'fd00:1::100')).toBe(true);
  });

  it('guest OUT policy DROP, with replies of allowed connections via conntrack', async () => {
    const g200 = lab.guestNs(200);
    expect(await lab.tcp(g200, '10.1.0.50', 22)).toBe('open');
    expect(await lab.tcp(g200, '10.1.0.50', 80, 500)).toBe('timeout');
    expect(await lab.tcp(out, '10.1.0.200', 80)).toBe('open'); // policy_in ACCEPT, replies are established
  });

  it('host zone: management reaches 8006/22, host rules apply, others are dropped', async () => {
    expect(await lab.tcp(out, '10.1.0.1', 8006)).toBe('open');
    expect(await lab.tcp(out, '10.1.0.1', 9100)).toBe('open');
    expect(await lab.tcp(out, '10.1.0.1', 9101, 500)).toBe('timeout');
    expect(await lab.tcp(lab.guestNs(200), '10.1.0.1', 8006, 500)).not.toBe('open');
  });

  it('host → guest traffic is filtered by the guest IN rules (bridge output)', async () => {
    expect(await lab.tcp(lab.host, '10.1.0.100', 22)).toBe('open');
    expect(await lab.tcp(lab.host, '10.1.0.100', 24, 500)).toBe('timeout');
  });

  it('blacklist and IP set updates are incremental and take effect without a reload', async () => {
    const r = await applier.apply(compileFiles(tree({ blacklist: ['10.1.0.50'] })));
    expect(r.mode).toBe('incremental');
    expect(r.changed.every((c) => c.startsWith('set:'))).toBe(true);
    expect(await lab.tcp(out, '10.1.0.100', 22, 500)).toBe('timeout');
    expect(await lab.tcp(lab.guestNs(200), '10.1.0.100', 22)).toBe('open');
    const back = await applier.apply(compileFiles(tree()));
    expect(back.mode).toBe('incremental');
    expect(await lab.tcp(out, '10.1.0.100', 22)).toBe('open');
  });

  it('a one-guest change replaces only that guest, and a no-op sends nothing', async () => {
    const next = compileFiles(tree({ g100Extra: 'IN ACCEPT -p tcp -dport 443' }));
    const r = await applier.apply(next);
    expect(r.mode).toBe('incremental');
    expect(r.changed).toEqual(['guest/100']);
    expect(await lab.tcp(out, '10.1.0.100', 443)).toBe('open');
    expect(await applier.apply(next)).toMatchObject({ mode: 'noop', commands: 0 });
  });

  it('a failing transaction leaves the kernel unchanged', async () => {
    const before = (await lab.run(lab.host, 'nft', ['list', 'ruleset'])).stdout;
    const bad = compileFiles(tree({ g100Extra: 'IN ACCEPT -p tcp -dport 444' }));
    const inet = bad.tables.find((t) => t.family === 'inet');
    inet?.chains[0]?.rules.push({ expr: [{ jump: { target: 'no-such-chain' } }] });
    await expect(applier.apply(bad)).rejects.toMatchObject({ code: 'E_NFT_APPLY' }); // no precheck by default: the atomic commit refuses it
    expect((await lab.run(lab.host, 'nft', ['list', 'ruleset'])).stdout).toBe(before);
  });
});
