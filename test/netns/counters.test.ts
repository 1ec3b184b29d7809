import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lab } from '../../src/lab/index.js';
import { Ebpf, detachAll } from '../../src/kernel/ebpf.js';
import { IpLinkCounters, NetlinkLinkCounters, type LinkCounters } from '../../src/kernel/links.js';
import { requireNative } from '../../src/kernel/native.js';
import { startKernelCounters, type KernelCounters } from '../../src/kernel/counters.js';
import { MetricsRegistry } from '../../src/metrics/registry.js';
import { OUTSIDE_IP, pings, quietLab } from './counters-lab.js';

const PIN = '/sys/fs/bpf/fwtest-f1';
const N = 25;

function tap(links: LinkCounters[]): LinkCounters {
  const l = links.find((x) => x.name === 'tap100i0');
  if (!l) throw new Error('tap100i0 missing');
  return l;
}

function sample(text: string, metric: string, iface: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) && l.includes(`iface="${iface}"`));
  if (!line) throw new Error(`${metric} for ${iface} not in exposition`);
  return Number(line.split(' ').at(-1));
}

describe('link and eBPF counters through a lab guest port', () => {
  let lab: Lab;
  let kc: KernelCounters;
  const reg = new MetricsRegistry();

  beforeAll(async () => {
    lab = await quietLab('fwtest-f1');
    kc = await startKernelCounters(reg, { netns: lab.host, ebpf: { pinDir: PIN }, guestCounters: 'link' });
    const rep = await kc.ebpf!.reconcilePorts(['tap100i0']);
    expect(rep.attached).toEqual(['tap100i0']);
  });

  afterAll(async () => {
    kc?.stop();
    if (lab) await detachAll({ pinDir: PIN, netns: lab.host });
    await lab?.dispose();
  });

  it('counts exactly the packets sent, in the addon, the fallback, the tc map and /metrics', async () => {
    const nl = new NetlinkLinkCounters(requireNative(), { netns: lab.host });
    const ip = new IpLinkCounters({ netns: lab.host });
    const ebpf = kc.ebpf as Ebpf;
    const ifindex = tap(await nl.read()).ifindex;
    const before = { nl: tap(await nl.read()), ip: tap(await ip.read()), bpf: (await ebpf.readPorts()).get(ifindex), text: await reg.scrape() };

    expect(await pings(lab, lab.guestNs(100), OUTSIDE_IP, N)).toBe(N);

    const after = { nl: tap(await nl.read()), ip: tap(await ip.read()), bpf: (await ebpf.readPorts()).get(ifindex), text: await reg.scrape() };
    // No ARP (permanent neighbours) and no NDP/MLD (IPv6 off): exactly N each way, no allowance.
    expect(after.nl.rxPackets - before.nl.rxPackets).toBe(N); // guest → port
    expect(after.nl.txPackets - before.nl.txPackets).toBe(N); // port → guest
    expect(after.nl.rxBytes - before.nl.rxBytes).toBe(N * 98); // 14 ether + 20 ip + 8 icmp + 56 data
    // the fallback reports the same numbers for the same traffic
    expect(after.ip).toEqual(after.nl);
    expect(before.ip).toEqual(before.nl);
    // the tc program saw the same packets in both directions
    const bpfRx = (after.bpf?.rx.packets ?? 0) - (before.bpf?.rx.packets ?? 0);
    const bpfTx = (after.bpf?.tx.packets ?? 0) - (before.bpf?.tx.packets ?? 0);
    expect([bpfRx, bpfTx]).toEqual([N, N]);
    expect((after.bpf?.rx.bytes ?? 0) - (before.bpf?.rx.bytes ?? 0)).toBe(N * 98);
    // /metrics, from the guest's point of view
    const d = (m: string) => sample(after.text, m, 'tap100i0') - sample(before.text, m, 'tap100i0');
    expect(d('fwctl_guest_transmit_packets_total')).toBe(N);
    expect(d('fwctl_guest_receive_packets_total')).toBe(N);
    expect(d('fwctl_guest_transmit_bytes_total')).toBe(N * 98);
    expect(after.text).toMatch(/fwctl_guest_receive_packets_total\{vmid="100",nic="net0",iface="tap100i0",bridge="vmbr0"\}/);
    nl.close();
  });

  it('rejects a bad namespace name before anything crosses into native code', () => {
    expect(() => new IpLinkCounters({ netns: '../etc' })).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });

  it('reports a missing namespace with code, errno and syscall', () => {
    expect(() => new NetlinkLinkCounters(requireNative(), { netns: 'fwtest-f-none' })).toThrow(
      expect.objectContaining({ code: 'ENOENT', errno: -2, syscall: 'open' }),
    );
  });

  it('reports a missing pin as a typed error from the addon', async () => {
    await expect(requireNative().mapLookupAll(`${PIN}/nope`)).rejects.toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'bpf_obj_get' });
  });
});
