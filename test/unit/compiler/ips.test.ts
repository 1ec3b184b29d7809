import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { simulateRequest } from '../../../src/compiler/batch.js';
import { compile } from '../../../src/compiler/compile.js';
import { ipsQueue } from '../../../src/compiler/ips.js';
import type { Chain, Ruleset, Statement } from '../../../src/compiler/ruleset.js';
import { resolve } from '../../../src/model/resolve.js';
import type { Policy } from '../../../src/model/policy.js';

function build(fw100: string, queue = true): { p: Policy; rs: Ruleset } {
  const files = {
    'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
    'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n\n[group web]\nIN ACCEPT -p tcp -dport 80\n',
    'firewall/100.fw': fw100,
  };
  const { tree } = loadTree(new MemoryTree(new Map(Object.entries(files))), 'pve1');
  const { policy } = resolve(tree, { node: 'pve1', now: 1_700_000_000 });
  return { p: policy, rs: compile(policy, { bridgeConntrack: false, queue }) };
}
const chain = (rs: Ruleset, family: string, name: string): Chain =>
  rs.tables.find((t) => t.family === family)!.chains.find((c) => c.name === name)!;
const queues = (c: Chain): Statement[] => c.rules.flatMap((r) => r.expr).filter((s) => 'queue' in s);

describe('ips / ips_queues', () => {
  it('maps ips_queues to a queue number or a balanced range, always with bypass', () => {
    expect(ipsQueue({ ips: false, ips_queues: '3' })).toBeUndefined();
    expect(ipsQueue({ ips: true })).toEqual({ queue: { num: 0, flags: ['bypass'] } });
    expect(ipsQueue({ ips: true, ips_queues: '3' })).toEqual({ queue: { num: 3, flags: ['bypass'] } });
    expect(ipsQueue({ ips: true, ips_queues: '2:5' })).toEqual({ queue: { num: { range: [2, 5] }, flags: ['bypass'] } });
  });

  it('replaces the IN accepts (rules, group accept, policy) by the queue; DHCP, NDP and OUT stay', () => {
    const b = build('[OPTIONS]\nenable: 1\nips: 1\nips_queues: 4\npolicy_in: ACCEPT\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\nGROUP web\nIN DROP -p tcp -dport 23\n');
    const tin = chain(b.rs, 'inet', 'tap100i0-in');
    expect(queues(tin)).toHaveLength(3); // rule 22, group accept, policy
    expect(tin.rules.filter((r) => r.expr.some((s) => 'accept' in s))).toHaveLength(3); // DHCP v4, DHCP v6, NDP: nothing else accepts
    expect(queues(chain(b.rs, 'inet', 'tap100i0-out'))).toHaveLength(0);
    const fwd = chain(b.rs, 'inet', 'hook-forward');
    const est = fwd.rules.findIndex((r) => r.expr.some((s) => 'queue' in s));
    const plainEst = fwd.rules.findIndex((r) => r.expr.some((s) => 'accept' in s));
    expect(est).toBeGreaterThanOrEqual(0);
    expect(est).toBeLessThan(plainEst); // established traffic to the guest is queued before the plain accept
    expect(queues(chain(b.rs, 'bridge', 'tap100i0-in'))).toHaveLength(0); // host→guest copy: accept
  });

  it('simulates the queue as an accept (bypass / a listening IPS), with the trace showing it', () => {
    const b = build('[OPTIONS]\nenable: 1\nips: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n');
    const ok = simulateRequest(b.rs, b.p, { from: 'outside', to: 'vm100', proto: 'tcp', dport: 22 });
    expect(ok.action).toBe('ACCEPT');
    expect(ok.trace.some((t) => t.chain === 'tap100i0-in' && t.origin === 'guest/100/in/0' && t.effect === 'accept')).toBe(true);
    expect(simulateRequest(b.rs, b.p, { from: 'outside', to: 'vm100', proto: 'tcp', dport: 23 }).action).toBe('DROP');
  });

  it('without ips nothing is queued', () => {
    const b = build('[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n');
    for (const t of b.rs.tables) for (const c of t.chains) expect(queues(c)).toHaveLength(0);
  });

  it('on a kernel without nft_queue, ips guests get plain accepts (what bypass does with no IPS)', () => {
    const b = build('[OPTIONS]\nenable: 1\nips: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n', false);
    for (const t of b.rs.tables) for (const c of t.chains) expect(queues(c)).toHaveLength(0);
    const tin = chain(b.rs, 'inet', 'tap100i0-in');
    expect(tin.rules.some((r) => r.origin === 'guest/100/in/0' && r.expr.some((s) => 'accept' in s))).toBe(true);
  });

  it('renders the queue for nft text and JSON', async () => {
    const { renderText } = await import('../../../src/backend/nft/text.js');
    const { renderJson } = await import('../../../src/backend/nft/json.js');
    const b = build('[OPTIONS]\nenable: 1\nips: 1\nips_queues: 2:5\n\n[RULES]\nIN ACCEPT -p tcp -dport 22\n');
    expect(renderText(b.rs)).toContain('queue flags bypass to 2-5');
    expect(JSON.stringify(renderJson(b.rs))).toContain('{"queue":{"num":{"range":[2,5]},"flags":["bypass"]}}');
  });
});
