import { describe, expect, it } from 'vitest';
import { counterName, chains } from '../../../src/compiler/names.js';
import type { Ruleset, Statement } from '../../../src/compiler/ruleset.js';
import { indexCounters, parseOrigin } from '../../../src/metrics/rules-index.js';
import { registerRuleMetrics } from '../../../src/metrics/rules.js';
import { MetricsRegistry } from '../../../src/metrics/registry.js';

const rule = (origin: string, ...verdict: Statement[]) => ({ origin, expr: [{ counter: { name: counterName(origin) } }, ...verdict] as Statement[] });

const ruleset: Ruleset = {
  tables: [{
    family: 'inet', name: 'fwctl', sets: [], maps: [], counters: [],
    chains: [{
      name: 'tap100i0-in', owner: 'guest/100', rules: [
        rule('guest/100/in/0', { accept: null }),
        rule('guest/100/in/1', { drop: null }),
        rule('guest/100/in/2', { jump: { target: chains.reject } }),
        rule('guest/100/policy/in', { drop: null }),
      ],
    }, {
      name: 'host-in', owner: 'core', rules: [rule('cluster/in/4', { accept: null }), rule('host/policy/out', { drop: null }), rule('group/web/out/0', { return: null })],
    }],
  }],
};

describe('rule counter index', () => {
  it('parses every origin shape the compiler emits', () => {
    expect(parseOrigin('guest/100/in/3')).toEqual({ scope: 'guest', vmid: '100', direction: 'in', pos: '3' });
    expect(parseOrigin('guest/100/policy/out')).toEqual({ scope: 'guest', vmid: '100', direction: 'out', pos: 'policy' });
    expect(parseOrigin('group/web/in/0')).toEqual({ scope: 'group:web', vmid: '', direction: 'in', pos: '0' });
    expect(parseOrigin('host/policy/in')).toEqual({ scope: 'host', vmid: '', direction: 'in', pos: 'policy' });
    expect(parseOrigin('cluster/out/2')).toEqual({ scope: 'cluster', vmid: '', direction: 'out', pos: '2' });
    expect(parseOrigin('host/synflood')).toBeUndefined();
  });

  it('maps each named counter to its rule and action', () => {
    const idx = indexCounters(ruleset);
    expect(idx.get(counterName('guest/100/in/2'))?.action).toBe('REJECT');
    expect(idx.get(counterName('group/web/out/0'))).toMatchObject({ scope: 'group:web', action: 'ACCEPT' });
    expect(idx.size).toBe(7);
  });

  it('exposes matches and guest drops, reading nft at most once per interval', async () => {
    const reg = new MetricsRegistry();
    let t = 0;
    let reads = 0;
    const values = new Map([
      [counterName('guest/100/in/1'), { packets: 3, bytes: 300 }],
      [counterName('guest/100/in/2'), { packets: 4, bytes: 400 }],
      [counterName('guest/100/policy/in'), { packets: 5, bytes: 500 }],
      [counterName('cluster/in/4'), { packets: 9, bytes: 900 }],
    ]);
    const m = registerRuleMetrics(reg, { read: async () => (reads++, values), intervalMs: 1000, now: () => t });
    m.setRuleset(ruleset);
    const text = await reg.scrape();
    expect(text).toContain('fwctl_rule_matches_total{scope="cluster",vmid="",direction="in",pos="4",action="ACCEPT"} 9');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="",direction="in",reason="rule"} 7');
    expect(text).toContain('fwctl_guest_drops_total{vmid="100",nic="",direction="in",reason="policy"} 5');
    values.set(counterName('cluster/in/4'), { packets: 10, bytes: 1000 });
    t = 500;
    expect(await reg.scrape()).toContain('action="ACCEPT"} 9');
    t = 1500;
    expect(await reg.scrape()).toContain('pos="4",action="ACCEPT"} 10');
    expect(reads).toBe(2);
  });

  it('a slow nft read never holds a scrape longer than waitMs: the last reading is served meanwhile', async () => {
    const reg = new MetricsRegistry();
    let t = 0;
    let release: (() => void) | undefined;
    let packets = 1;
    let reads = 0;
    const read = async () => {
      reads++;
      const v = new Map([[counterName('cluster/in/4'), { packets, bytes: 0 }]]);
      if (packets > 1) await new Promise<void>((r) => (release = r));
      return v;
    };
    const m = registerRuleMetrics(reg, { read, intervalMs: 1000, waitMs: 20, now: () => t });
    m.setRuleset(ruleset);
    expect(await reg.scrape()).toContain('pos="4",action="ACCEPT"} 1');
    packets = 2;
    t = 2000;
    const t0 = performance.now();
    expect(await reg.scrape()).toContain('pos="4",action="ACCEPT"} 1'); // stale but immediate
    expect(performance.now() - t0).toBeLessThan(500);
    expect(await reg.scrape()).toContain('pos="4",action="ACCEPT"} 1'); // one read in flight, not two
    release!();
    await new Promise((r) => setTimeout(r, 0));
    expect(await reg.scrape()).toContain('pos="4",action="ACCEPT"} 2');
    expect(reads).toBe(2);
  });
});
