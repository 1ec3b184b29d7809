import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile.js';
import { counterName } from '../../../src/compiler/names.js';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { indexCounters, parseOrigin } from '../../../src/metrics/rules-index.js';
import { registerRuleMetrics } from '../../../src/metrics/rules.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { resolve } from '../../../src/model/resolve.js';

const FILES = {
  'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n',
  'nodes/pve1/qemu-server/100.conf':
    'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\nnet1: virtio=BC:24:11:00:01:01,bridge=vmbr0,firewall=1\n',
  'firewall/100.fw': '[OPTIONS]\nenable: 1\nlayer2_protocols: ARP,IPv4\n\n[IPSET ipfilter-net0]\n10.0.0.100\n\n[RULES]\nIN DROP -p tcp -dport 23\n',
};

function ruleset() {
  const { tree } = loadTree(new MemoryTree(new Map(Object.entries(FILES))), 'pve1');
  const { policy } = resolve(tree, { node: 'pve1', now: 1_700_000_000 });
  return compile(policy, { bridgeConntrack: false });
}

describe('drop reasons', () => {
  it('parses per-NIC policy and filter origins, and cluster rules as scope cluster', () => {
    expect(parseOrigin('guest/100/policy/in/net1')).toEqual({ scope: 'guest', vmid: '100', direction: 'in', pos: 'policy', nic: 'net1' });
    expect(parseOrigin('guest/100/ipfilter/net0')).toEqual({ scope: 'guest', vmid: '100', direction: 'out', pos: 'ipfilter', nic: 'net0' });
    expect(parseOrigin('guest/100/layer2/net3')).toMatchObject({ pos: 'layer2', nic: 'net3' });
    expect(parseOrigin('guest/100/bogus/net0')).toBeUndefined();
    expect(parseOrigin('dc/in/4')).toEqual({ scope: 'cluster', vmid: '', direction: 'in', pos: '4' });
    expect(parseOrigin('dc/forward/1')).toMatchObject({ scope: 'cluster', direction: 'forward' });
    expect(parseOrigin('group/web/forward/0')).toMatchObject({ scope: 'group:web', direction: 'forward' });
  });

  it('indexes every named counter of a compiled ruleset, bridge filters included', () => {
    const rs = ruleset();
    const idx = indexCounters(rs);
    const all = new Set(rs.tables.flatMap((t) => t.counters.map((c) => c.name)));
    for (const name of all) expect(idx.has(name), name).toBe(true);
    expect(idx.get(counterName('guest/100/macfilter/net1'))).toMatchObject({ pos: 'macfilter', nic: 'net1', action: 'DROP' });
    expect(idx.get(counterName('guest/100/layer2/net0'))).toMatchObject({ pos: 'layer2', nic: 'net0', action: 'DROP' });
    expect(idx.get(counterName('guest/100/ipfilter/net0'))).toMatchObject({ pos: 'ipfilter', direction: 'out' });
    expect(idx.has(counterName('guest/100/ipfilter/net1'))).toBe(false); // no set for net1
    // the ARP part of ipfilter lives in the bridge table: its own counter object, same name
    const bridge = rs.tables.find((t) => t.family === 'bridge')!;
    expect(bridge.counters.map((c) => c.name)).toContain(counterName('guest/100/ipfilter/net0'));
    expect(bridge.counters.find((c) => c.name === counterName('guest/100/layer2/net0'))?.owner).toBe('guest/100');
  });

  it('exports drops per NIC and reason; rule matches sum the per-NIC policy counters', async () => {
    const reg = new MetricsRegistry();
    const values = new Map([
      [counterName('guest/100/in/0'), { packets: 2, bytes: 0 }],
      [counterName('guest/100/policy/in/net0'), { packets: 5, bytes: 0 }],
      [counterName('guest/100/policy/in/net1'), { packets: 7, bytes: 0 }],
      [counterName('guest/100/ipfilter/net0'), { packets: 3, bytes: 0 }],
      [counterName('guest/100/macfilter/net1'), { packets: 4, bytes: 0 }],
      [counterName('guest/100/layer2/net0'), { packets: 6, bytes: 0 }],
      [counterName('dc/in/0'), { packets: 9, bytes: 0 }],
    ]);
    const m = registerRuleMetrics(reg, { read: async () => values, intervalMs: 0 });
    m.setRuleset(ruleset());
    const text = await reg.scrape();
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="",direction="in",reason="rule"} 2');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="net0",direction="in",reason="policy"} 5');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="net1",direction="in",reason="policy"} 7');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="net0",direction="out",reason="ipfilter"} 3');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="net1",direction="out",reason="macfilter"} 4');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="net0",direction="out",reason="layer2"} 6');
    expect(text).toContain('fwctl_rule_matches_total{scope="guest",vmid="100",direction="in",pos="policy",action="DROP"} 12');
    expect(text).toContain('fwctl_rule_matches_total{scope="cluster",vmid="",direction="in",pos="0",action="ACCEPT"} 9');
    expect(text).not.toMatch(/fwctl_rule_matches_total\{[^}]*pos="(ipfilter|macfilter|layer2)"/);
  });
});
