import { describe, expect, it } from 'vitest';
import { packetFor, simulateBatch } from '../../../src/compiler/batch.js';
import { compile } from '../../../src/compiler/compile.js';
import { SimError } from '../../../src/compiler/simulate.js';
import { parseZone, zonePath } from '../../../src/compiler/zones.js';
import { loadTree } from '../../../src/config/index.js';
import { resolve } from '../../../src/model/index.js';
import { conformanceTree } from '../../fixtures/pve-tree.js';

const { tree } = loadTree(conformanceTree('test-basic1'), 'proxself');
const { policy } = resolve(tree, { node: 'proxself', hostIPv4: '172.16.1.2', localNetwork: '172.16.1.0/24', now: 1_700_000_000 });
const hooks = (from: string, to: string) => zonePath(parseZone(policy, from), parseZone(policy, to)).map((s) => `${s.family}/${s.hook}:${s.iifname ?? ''}>${s.oifname ?? ''}`);

describe('zones', () => {
  it('resolves guest zones to their NIC port and bridge', () => {
    expect(parseZone(policy, 'vm100i1')).toMatchObject({ kind: 'port', bridge: 'vmbr1', port: 'tap100i1', mac: '0E:0B:38:B9:B4:21' });
    expect(parseZone(policy, 'ct200')).toMatchObject({ bridge: 'vmbr0', port: 'veth200i0' });
    expect(parseZone(policy, 'vmbr0/eth0')).toEqual({ kind: 'port', bridge: 'vmbr0', port: 'eth0' });
    expect(() => parseZone(policy, 'vm999')).toThrowError(SimError);
    expect(() => parseZone(policy, 'ct100')).toThrowError(SimError); // 100 is a VM
  });

  it('walks bridged, host-bound, host-sent and routed paths through the right hooks', () => {
    expect(hooks('outside', 'vm100')).toEqual(['bridge/prerouting:eth0>', 'inet/prerouting:vmbr0>', 'bridge/forward:eth0>tap100i0', 'inet/forward:vmbr0>vmbr0']);
    expect(hooks('ct200', 'host')).toEqual(['bridge/prerouting:veth200i0>', 'inet/prerouting:vmbr0>', 'bridge/input:veth200i0>', 'inet/input:vmbr0>']);
    expect(hooks('host', 'vm100')).toEqual(['inet/output:>vmbr0', 'bridge/output:>tap100i0']);
    expect(hooks('vm110', 'vm100')).toEqual(['bridge/prerouting:tap110i0>', 'inet/prerouting:vmbr1>', 'inet/forward:vmbr1>vmbr0', 'bridge/output:>tap100i0']);
  });

  it("builds packets with pve's simulator defaults and ICMP types in dport", () => {
    expect(packetFor(policy, { from: 'host', to: 'outside' })).toMatchObject({ family: 4, proto: 6, saddr: '172.16.1.2', daddr: '100.200.3.4' });
    expect(packetFor(policy, { from: 'outside', to: 'host' })).toMatchObject({ saddr: '100.100.1.2', daddr: '172.16.1.2' });
    expect(packetFor(policy, { from: 'outside', to: 'vm100', proto: 'icmp', dport: 'host-unreachable' })).toMatchObject({ proto: 1, icmpType: 3, icmpCode: 1 });
    expect(packetFor(policy, { from: 'outside', to: 'vm100', source: 'fd00::1' })).toMatchObject({ family: 6 });
  });

  it('runs JSON lines, reporting bad lines by code and ignoring `id`/`action`', () => {
    const rs = compile(policy, { bridgeConntrack: false });
    const lines = [
      JSON.stringify({ from: 'outside', to: 'vm100', dport: 443, id: 'a', action: 'DROP' }),
      '',
      JSON.stringify({ from: 'outside', to: 'vm100', dport: 22 }),
      JSON.stringify({ from: 'nowhere', to: 'vm100' }),
      '{not json',
    ].join('\n');
    const out = simulateBatch(rs, policy, lines);
    expect(out).toHaveLength(4);
    expect(out.map((o) => ('result' in o ? o.result.action : o.error.code))).toEqual(['ACCEPT', 'DROP', 'bad-zone', 'bad-json']);
    expect(out[0]!.id).toBe('a');
  });
});
