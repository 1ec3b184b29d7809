import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { packetFor, simulateRequest, type SimRequest } from '../../../src/compiler/batch.js';
import { simulate } from '../../../src/compiler/simulate.js';
import { parseZone, zonePath } from '../../../src/compiler/zones.js';
import { compile } from '../../../src/compiler/compile.js';
import type { Ruleset } from '../../../src/compiler/ruleset.js';
import { resolve } from '../../../src/model/resolve.js';
import type { Policy } from '../../../src/model/policy.js';

const GUESTS = {
  'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
  'nodes/pve1/qemu-server/101.conf': 'net0: virtio=BC:24:11:00:01:01,bridge=vmbr1,firewall=1\n',
  'firewall/100.fw': '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n',
  'firewall/101.fw': '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n',
};

function build(cluster: string, host = ''): { p: Policy; rs: Ruleset } {
  const files = { ...GUESTS, 'firewall/cluster.fw': cluster, 'nodes/pve1/host.fw': host };
  const { tree } = loadTree(new MemoryTree(new Map(Object.entries(files))), 'pve1');
  const { policy } = resolve(tree, { node: 'pve1', hostIPv4: '10.1.0.1', now: 1_700_000_000 });
  return { p: policy, rs: compile(policy, { bridgeConntrack: false }) };
}
const run = (b: { p: Policy; rs: Ruleset }, req: SimRequest) => simulateRequest(b.rs, b.p, req);
const routed = { from: 'outside', to: 'vmbr1/eth1', proto: 'tcp', source: '10.1.0.50', dest: '10.2.0.50' };

describe('FORWARD rules and policy_forward (routed traffic)', () => {
  it('changes nothing with the defaults (ACCEPT, no rules): no forward chain', () => {
    const b = build('[OPTIONS]\nenable: 1\n');
    const inet = b.rs.tables.find((t) => t.family === 'inet')!;
    expect(inet.chains.some((c) => c.name === 'host-forward')).toBe(false);
    expect(run(b, { ...routed, dport: 22 }).action).toBe('ACCEPT');
  });

  it('policy_forward DROP drops routed traffic, FORWARD ACCEPT rules open it, host.fw before cluster.fw', () => {
    const b = build(
      '[OPTIONS]\nenable: 1\npolicy_forward: DROP\n\n[RULES]\nFORWARD ACCEPT -p tcp -dport 22\nFORWARD ACCEPT -p tcp -dport 80\n',
      '[RULES]\nFORWARD DROP -p tcp -dport 80\n',
    );
    expect(run(b, { ...routed, dport: 22 }).action).toBe('ACCEPT');
    expect(run(b, { ...routed, dport: 80 }).action).toBe('DROP');
    const r = run(b, { ...routed, dport: 23 });
    expect(r.action).toBe('DROP');
    expect(r.trace.at(-1)?.origin).toBe('host/policy/forward');
    const hit = run(b, { ...routed, dport: 22 }).trace.find((t) => t.chain === 'host-forward' && t.effect === 'accept');
    expect(hit?.origin).toMatch(/^dc\/forward\/\d+$/);
    const names = b.rs.tables.find((t) => t.family === 'inet')!.counters.map((c) => c.name);
    expect(names).toContain('c-host-policy-forward');
    expect(names.filter((n) => n.startsWith('c-dc-forward-'))).toHaveLength(2);
    expect(names.filter((n) => n.startsWith('c-host-forward-'))).toHaveLength(1);
  });

  it('FORWARD REJECT rejects; routed traffic from a guest passes its OUT chain and then FORWARD', () => {
    const b = build('[OPTIONS]\nenable: 1\npolicy_forward: DROP\n\n[RULES]\nFORWARD REJECT -p tcp -dport 25\nFORWARD ACCEPT -p tcp -dport 443\n');
    expect(run(b, { ...routed, dport: 25 }).action).toBe('REJECT');
    expect(run(b, { from: 'vm100', to: 'vm101', proto: 'tcp', dport: 443, source: '10.1.0.100', dest: '10.2.0.101' }).action).toBe('ACCEPT');
    expect(run(b, { from: 'vm100', to: 'vm101', proto: 'tcp', dport: 444, source: '10.1.0.100', dest: '10.2.0.101' }).action).toBe('DROP');
  });

  it('leaves bridged traffic alone: same-bridge guest and uplink traffic never meets policy_forward', () => {
    const b = build('[OPTIONS]\nenable: 1\npolicy_forward: DROP\n');
    expect(run(b, { from: 'outside', to: 'vm100', proto: 'tcp', dport: 22 }).action).toBe('ACCEPT');
    expect(run(b, { from: 'vm100', to: 'outside', proto: 'tcp', dport: 22 }).action).toBe('ACCEPT');
    expect(run(b, { from: 'outside', to: 'vmbr0/tap999i0', proto: 'tcp', dport: 22 }).action).toBe('ACCEPT');
    expect(run(b, { ...routed, dport: 22 }).action).toBe('DROP');
    // established routed traffic is accepted before the forward rules
    const pkt = { ...packetFor(b.p, { ...routed, dport: 22 }), ctState: 'established' as const };
    expect(simulate(b.rs, pkt, zonePath(parseZone(b.p, 'outside'), parseZone(b.p, 'vmbr1/eth1'))).action).toBe('ACCEPT');
  });

  it('logs the forward policy with log_level_forward', () => {
    const b = build('[OPTIONS]\nenable: 1\npolicy_forward: DROP\n', '[OPTIONS]\nlog_level_forward: info\n');
    const chain = b.rs.tables.find((t) => t.family === 'inet')!.chains.find((c) => c.name === 'host-forward')!;
    const log = chain.rules.flatMap((r) => r.expr).find((s) => 'log' in s) as { log: { prefix: string } };
    expect(log.log.prefix).toBe(':0:6:host-forward: policy DROP: ');
  });
});

describe('security groups in FORWARD (proxmox-firewall applies host/cluster GROUP rules to forward too)', () => {
  const cluster = (rules: string, group: string) =>
    `[OPTIONS]\nenable: 1\npolicy_forward: DROP\n\n[RULES]\n${rules}\n\n[group fwd]\n${group}\n`;

  it('a GROUP rule in cluster.fw jumps to the group\'s FORWARD rules; ACCEPT there accepts', () => {
    const b = build(cluster('GROUP fwd\nFORWARD ACCEPT -p tcp -dport 80', 'FORWARD ACCEPT -p tcp -dport 22\nFORWARD DROP -p tcp -dport 80\nIN ACCEPT -p tcp -dport 8080'));
    const ssh = run(b, { ...routed, dport: 22 });
    expect(ssh.action).toBe('ACCEPT');
    expect(ssh.trace.some((t) => t.chain === 'group-fwd-forward' && t.origin === 'group/fwd/forward/0')).toBe(true);
    expect(ssh.trace.find((t) => t.chain === 'host-forward' && t.effect === 'accept')?.origin).toBe('dc/forward/0');
    // the group's DROP comes first (group rule before the list's own ACCEPT)
    expect(run(b, { ...routed, dport: 80 }).action).toBe('DROP');
    // IN rules of the group stay out of forward
    expect(run(b, { ...routed, dport: 8080 }).action).toBe('DROP');
    const inet = b.rs.tables.find((t) => t.family === 'inet')!;
    expect(inet.counters.map((c) => c.name)).toEqual(expect.arrayContaining(['c-group-fwd-forward-0', 'c-group-fwd-forward-1', 'c-dc-forward-0']));
  });

  it('GROUP rules with -i and groups without FORWARD rules add nothing to forward', () => {
    const b = build('[OPTIONS]\nenable: 1\n\n[RULES]\nGROUP fwd\n\n[group fwd]\nIN ACCEPT -p tcp -dport 22\n');
    const inet = b.rs.tables.find((t) => t.family === 'inet')!;
    expect(inet.chains.some((c) => c.name === 'host-forward' || c.name === 'group-fwd-forward')).toBe(false);
    expect(b.p.host.rules.filter((r) => r.direction === 'forward')).toHaveLength(1);
    const withIface = build(cluster('GROUP fwd -i vmbr0', 'FORWARD ACCEPT -p tcp -dport 22'));
    expect(withIface.p.host.rules.map((r) => r.direction)).toEqual(['in', 'out']);
    expect(run(withIface, { ...routed, dport: 22 }).action).toBe('DROP');
  });

  it('a GROUP rule in a guest list never reaches forward', () => {
    const files = { ...GUESTS, 'firewall/100.fw': '[OPTIONS]\nenable: 1\n\n[RULES]\nGROUP fwd\n', 'firewall/cluster.fw': cluster('', 'FORWARD ACCEPT -p tcp -dport 22') };
    const { tree } = loadTree(new MemoryTree(new Map(Object.entries(files))), 'pve1');
    const { policy } = resolve(tree, { node: 'pve1', now: 1_700_000_000 });
    expect(policy.guests.find((g) => g.vmid === 100)!.rules.map((r) => r.direction)).toEqual(['in', 'out']);
    const inet = compile(policy, { bridgeConntrack: false }).tables.find((t) => t.family === 'inet')!;
    expect(inet.chains.some((c) => c.name === 'group-fwd-forward')).toBe(false);
    expect(inet.chains.some((c) => c.name === 'group-fwd-in')).toBe(true);
  });
});
