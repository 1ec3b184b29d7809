import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { simulateRequest } from '../../../src/compiler/batch.js';
import { compile } from '../../../src/compiler/compile.js';
import { resolve } from '../../../src/model/resolve.js';
import { ethertype } from '../../../src/model/ethertypes.js';

function build(l2: string | undefined) {
  const files = {
    'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n',
    'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
    'nodes/pve1/qemu-server/101.conf': 'net0: virtio=BC:24:11:00:01:01,bridge=vmbr0,firewall=1\n',
    'firewall/100.fw': `[OPTIONS]\nenable: 1\n${l2 === undefined ? '' : `layer2_protocols: ${l2}\n`}`,
    'firewall/101.fw': '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n',
  };
  const { tree } = loadTree(new MemoryTree(new Map(Object.entries(files))), 'pve1');
  const { policy, diagnostics } = resolve(tree, { node: 'pve1', now: 1_700_000_000 });
  return { policy, diagnostics, rs: compile(policy, { bridgeConntrack: false }) };
}
const v4 = { from: 'vm100', to: 'vm101', proto: 'tcp', dport: 22, source: '10.1.0.100', dest: '10.1.0.101' };
const v6 = { ...v4, source: 'fd00:1::100', dest: 'fd00:1::101' };

describe('layer2_protocols (pve-firewall: ebtables <port>-OUT-PROTO allow-list)', () => {
  it('resolves names, netbase aliases and hex ids to sorted unique ethertypes', () => {
    expect(build('IPv6,ARP,IPv4,ip,0800').policy.guests[0]!.ethertypes).toEqual([0x0800, 0x0806, 0x86dd]);
    expect(ethertype('86DD')).toBe(0x86dd);
    expect(ethertype('IPX')).toBe(0x8137);
    expect(ethertype('1234')).toBeUndefined();
    expect(ethertype('constructor')).toBeUndefined();
    expect(build(undefined).policy.guests[0]!.ethertypes).toBeUndefined();
  });

  it('an unknown name makes the whole option an error that is ignored, as pve-firewall does', () => {
    const { policy, diagnostics, rs } = build('ARP,IPv4,Bogus');
    expect(policy.guests[0]!.ethertypes).toBeUndefined();
    expect(diagnostics).toContainEqual(expect.objectContaining({ code: 'FW_ETHERTYPE_UNKNOWN', severity: 'error', file: 'firewall/100.fw' }));
    expect(JSON.stringify(rs)).not.toContain('layer2');
  });

  it('drops the guest\'s other frame types in its bridge port chain, with a per-NIC counter', () => {
    const { policy, rs } = build('ARP,IPv4');
    expect(simulateRequest(rs, policy, v4).action).toBe('ACCEPT');
    const r = simulateRequest(rs, policy, v6);
    expect(r.action).toBe('DROP');
    expect(r.trace.at(-1)).toMatchObject({ family: 'bridge', hook: 'prerouting', origin: 'guest/100/layer2/net0' });
    // frames towards the guest are not filtered: 101 → 100 over IPv6 reaches 100's IN chain
    expect(simulateRequest(rs, policy, { ...v6, from: 'vm101', to: 'vm100', source: 'fd00:1::101', dest: 'fd00:1::100' }).trace.at(-1)?.origin).toBe('guest/100/policy/in/net0');
    const bridge = rs.tables.find((t) => t.family === 'bridge')!;
    const rule = bridge.chains.flatMap((c) => c.rules).find((x) => x.origin === 'guest/100/layer2/net0')!;
    expect(rule.expr[0]).toEqual({ match: { op: '!=', left: { payload: { protocol: 'ether', field: 'type' } }, right: { set: [0x0800, 0x0806] } } });
    expect(simulateRequest(build('ARP,IPv4,IPv6').rs, policy, v6).action).toBe('ACCEPT');
  });
});
