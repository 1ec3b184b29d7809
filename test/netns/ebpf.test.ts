import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/index.js';
import { runNft } from '../../src/apply/exec.js';
import { sets, maps } from '../../src/compiler/names.js';
import type { Ruleset } from '../../src/compiler/ruleset.js';
import { detachAll, TC_PRIORITY } from '../../src/kernel/ebpf.js';
import { requireNative } from '../../src/kernel/native.js';
import { NetnsHandle } from '../../src/kernel/netns.js';
import { startKernelCounters, type KernelCounters } from '../../src/kernel/counters.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { GUEST_IP, OUTSIDE_IP, pings, quietLab } from './counters-lab.js';

const PIN = '/sys/fs/bpf/fwtest-f3';
const N = 5;

/** The parts of a compiled ruleset the eBPF side follows: firewalled ports and the blacklist set. */
function ruleset(blacklist: string[]): Ruleset {
  return {
    tables: [
      { family: 'inet', name: 'fwctl', chains: [], maps: [], counters: [],
        sets: [{ name: sets.ip('dc/blacklist', 4), type: 'ipv4_addr', flags: ['interval'], elements: blacklist, owner: 'core' }] },
      { family: 'bridge', name: 'fwctl', chains: [], sets: [], counters: [],
        maps: [{ name: maps.l2In, type: 'ifname', kind: 'vmap', flags: [], entries: [{ key: 'tap100i0', value: { jump: { target: 'port-800-in' } } }], owner: 'guest/100' }] },
    ],
  };
}

/** A netfilter counter that sees every IPv4 packet from the outside host, at the earliest hook. */
const WATCH = `table bridge fwtestf {
  chain pre {
    type filter hook prerouting priority -400; policy accept;
    ip saddr ${OUTSIDE_IP} counter
  }
}
`;

async function nftPackets(lab: Lab): Promise<number> {
  const r = await lab.run(lab.host, 'nft', ['-j', 'list', 'table', 'bridge', 'fwtestf']);
  const items = (JSON.parse(r.stdout) as { nftables: { rule?: { expr: { counter?: { packets: number } }[] } }[] }).nftables;
  return items.flatMap((i) => i.rule?.expr ?? []).reduce((n, e) => n + (e.counter?.packets ?? 0), 0);
}

describe('eBPF: early blacklist drop and reconcile', () => {
  let lab: Lab;
  let kc: KernelCounters;
  const reg = new MetricsRegistry();

  beforeAll(async () => {
    lab = await quietLab('fwtest-f3');
    await runNft(lab.execIn(lab.host), ['-f', '-'], WATCH);
    kc = await startKernelCounters(reg, { netns: lab.host, ebpf: { pinDir: PIN } });
  });

  afterAll(async () => {
    kc?.stop();
    if (lab) await detachAll({ pinDir: PIN, netns: lab.host });
    await lab?.dispose();
  });

  it('drops a blacklisted source before netfilter and counts it per prefix', async () => {
    const rep = await kc.update(ruleset([OUTSIDE_IP, '10.99.0.0/16']));
    expect(rep?.ports.attached).toEqual(['tap100i0']);
    expect(rep?.uplinks.attached).toEqual(['eth0']);
    expect(rep?.blacklist.added.sort()).toEqual(['10.77.0.50/32', '10.99.0.0/16']);

    expect(await pings(lab, lab.outside!, GUEST_IP, N)).toBe(0);
    expect(await nftPackets(lab)).toBe(0); // netfilter never saw them
    const hits = await kc.ebpf!.readBlacklist();
    expect(hits.find((h) => h.prefix === '10.77.0.50/32')?.packets).toBe(N);
    expect(hits.find((h) => h.prefix === '10.99.0.0/16')?.packets).toBe(0);
    const text = await reg.scrape();
    expect(text).toContain(`fwctl_blacklist_drops_total{prefix="10.77.0.50/32"} ${N}`);
  });

  it('lets the source through once it leaves the set, keeping the other prefixes and their counts', async () => {
    const rep = await kc.update(ruleset(['10.99.0.0/16']));
    expect(rep?.blacklist).toEqual({ added: [], removed: ['10.77.0.50/32'] });
    expect(await pings(lab, lab.outside!, GUEST_IP, N)).toBe(N);
    expect(await nftPackets(lab)).toBe(N);
    expect((await kc.ebpf!.readBlacklist()).map((h) => h.prefix)).toEqual(['10.99.0.0/16']);
  });

  it('an empty blacklist takes the XDP program off the uplink; detachAll leaves nothing behind', async () => {
    const rep = await kc.update(ruleset([]));
    expect(rep?.uplinks.detached).toEqual(['eth0']);
    const addon = requireNative();
    const ns = NetnsHandle.open(lab.host);
    try {
      const links = await addon.linkNames(ns.fd);
      const idx = links.map((l) => l.ifindex);
      expect((await addon.tcQuery(ns.fd, idx, true, TC_PRIORITY)).some((id) => id > 0)).toBe(true);
      const report = await detachAll({ pinDir: PIN, netns: lab.host });
      expect(report.detached).toEqual(['tap100i0']);
      expect(await addon.tcQuery(ns.fd, idx, true, TC_PRIORITY)).toEqual(idx.map(() => 0));
      expect(await addon.tcQuery(ns.fd, idx, false, TC_PRIORITY)).toEqual(idx.map(() => 0));
      for (const i of idx) expect(await addon.xdpQuery(ns.fd, i, 0)).toBe(0);
      expect(existsSync(PIN)).toBe(false);
    } finally {
      ns.close();
    }
  });
});
