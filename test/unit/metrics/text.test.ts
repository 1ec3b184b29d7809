import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile.js';
import { counterName } from '../../../src/compiler/names.js';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { registerRuleMetrics } from '../../../src/metrics/rules.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';
import { counterFamily, escapeLabel, labelString } from '../../../src/metrics/text.js';
import { resolve } from '../../../src/model/resolve.js';

const FILES = {
  'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n\n[group web-1]\nIN ACCEPT -p tcp -dport 80\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n',
  'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
  'firewall/100.fw': '[OPTIONS]\nenable: 1\n\n[RULES]\nGROUP web-1\nIN DROP -p tcp -dport 23\n',
};

describe('text exposition of the rule families', () => {
  it('escapes label values so that no value can end a line or forge a series', () => {
    expect(escapeLabel('plain')).toBe('plain');
    expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const line = counterFamily('x_total', 'h', new Map([[labelString({ a: 'v"} 1\nx_total{a="forged' }), 2]]));
    expect(line.split('\n').filter((l) => l.startsWith('x_total'))).toEqual(['x_total{a="v\\"} 1\\nx_total{a=\\"forged"} 2']);
    expect(counterFamily('x_total', 'h', new Map())).toBe('');
  });

  it('a daemon-sized exposition passes promtool check metrics, with prom-client families before it', async () => {
    const { tree } = loadTree(new MemoryTree(new Map(Object.entries(FILES))), 'pve1');
    const { policy } = resolve(tree, { node: 'pve1', now: 1_700_000_000 });
    const rs = compile(policy, { bridgeConntrack: false });
    const reg = new MetricsRegistry();
    const m = registerRuleMetrics(reg, { read: async () => new Map([[counterName('guest/100/in/1'), { packets: 4, bytes: 240 }]]), intervalMs: 0 });
    m.setRuleset(rs);
    const text = await reg.scrape();
    expect(text).toContain('fwctl_rule_matches_total{scope="guest",vmid="100",direction="in",pos="1",action="DROP"} 4');
    expect(text).toContain('fwctl_rule_bytes_total{scope="guest",vmid="100",direction="in",pos="1",action="DROP"} 240');
    expect(text).toContain('fwctl_rule_matches_total{scope="group:web-1",vmid="",direction="in",pos="0",action="ACCEPT"} 0');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="",direction="in",reason="rule"} 4');
    expect(text).toContain('fwctl_applies_total'); // prom-client's part is still there
    const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(r.error, 'promtool is installed by scripts/setup.sh').toBeUndefined();
    expect(r.stderr + r.stdout).toBe('');
    expect(r.status).toBe(0);
    m.unregister();
    expect(await reg.scrape()).not.toContain('fwctl_rule_matches_total');
  });
});
