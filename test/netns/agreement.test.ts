import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftApplier } from '../../src/apply/index.js';
import { compile } from '../../src/compiler/compile.js';
import type { Ruleset } from '../../src/compiler/ruleset.js';
import { simulate, type SimAction } from '../../src/compiler/simulate.js';
import { zonePath, type Zone } from '../../src/compiler/zones.js';
import { loadTree } from '../../src/config/tree.js';
import { MemoryTree } from '../../src/config/tree-reader.js';
import { Lab, type Probe, type TcpVerdict } from '../../src/lab/index.js';
import { resolve } from '../../src/model/resolve.js';

const ROOT = 'examples/pve';

function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string): void => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return files;
}

const SOURCES = ['10.99.0.5', '10.10.10.50', '10.10.10.60', '10.10.10.77', '10.40.1.1', '10.40.13.1', '10.66.6.6'];
const TARGETS: { addr: string; zone: Zone }[] = [
  { addr: '10.10.10.100', zone: { kind: 'port', bridge: 'vmbr0', port: 'tap100i0' } },
  { addr: '10.10.10.53', zone: { kind: 'port', bridge: 'vmbr0', port: 'veth200i0' } },
  { addr: '10.10.10.25', zone: { kind: 'port', bridge: 'vmbr0', port: 'veth201i0' } },
  { addr: '10.10.10.1', zone: { kind: 'host' } },
];
const PORTS: { proto: 'tcp' | 'udp'; port: number }[] = [
  ...[22, 25, 80, 111, 443, 8006, 8007, 9100].map((port) => ({ proto: 'tcp' as const, port })),
  { proto: 'udp', port: 53 },
  { proto: 'udp', port: 443 },
];
const OUTSIDE_MAC = '02:00:00:00:00:50';
const SPORT = 40000;

const kernelVerdict = (v: TcpVerdict): SimAction | string => (v === 'open' ? 'ACCEPT' : v === 'refused' ? 'REJECT' : v === 'timeout' ? 'DROP' : v);

describe.runIf(existsSync(ROOT))('simulate agrees with the kernel on the example tree', () => {
  let lab: Lab;
  let ruleset: Ruleset;
  let applier: NftApplier;

  beforeAll(async () => {
    const { tree } = loadTree(new MemoryTree(readTree(ROOT)), 'pve1');
    const { policy } = resolve(tree, { node: 'pve1', hostIPv4: '10.10.10.1', localNetwork: '10.10.10.0/24', now: Math.floor(Date.now() / 1000) });
    ruleset = compile(policy, { bridgeConntrack: false });
    lab = await Lab.create({
      prefix: 'fwtest-a-',
      bridges: [{ name: 'vmbr0', ipv4: '10.10.10.1/8' }, { name: 'vmbr1' }],
      guests: [
        { vmid: 100, type: 'qemu', bridge: 'vmbr0', mac: 'BC:24:11:00:01:00', ipv4: '10.10.10.100/8' },
        { vmid: 200, type: 'lxc', bridge: 'vmbr0', mac: 'BC:24:11:00:02:00', ipv4: '10.10.10.53/8' },
        { vmid: 201, type: 'lxc', bridge: 'vmbr0', mac: 'BC:24:11:00:02:01', ipv4: '10.10.10.25/8' },
      ],
      outside: { bridge: 'vmbr0', ipv4: `${SOURCES[0]}/8` },
    });
    const out = lab.outside as string;
    await lab.run(out, 'ip', ['link', 'set', 'eth0', 'address', OUTSIDE_MAC]);
    for (const s of SOURCES.slice(1)) await lab.run(out, 'ip', ['addr', 'add', `${s}/8`, 'dev', 'eth0']);
    for (const ns of [lab.host, lab.guestNs(100), lab.guestNs(200), lab.guestNs(201)]) await lab.listen(ns, PORTS);
    applier = new NftApplier({ netns: lab.host });
    await applier.apply(ruleset);
  });
  afterAll(async () => {
    await applier?.stop().catch(() => undefined);
    await lab?.dispose();
  });

  it('gives the same verdict for every packet (≥ 50 distinct packets)', async () => {
    const rows: { src: string; dst: string; proto: string; port: number; sim: SimAction; kernel: string }[] = [];
    for (const src of SOURCES) {
      const probes: Probe[] = [];
      const sims: SimAction[] = [];
      for (const t of TARGETS) {
        for (const p of PORTS) {
          probes.push({ ...p, addr: t.addr, src, timeoutMs: 1500 });
          const pkt = { family: 4 as const, proto: p.proto === 'tcp' ? 6 : 17, saddr: src, daddr: t.addr, sport: SPORT, dport: p.port, etherSaddr: OUTSIDE_MAC };
          sims.push(simulate(ruleset, pkt, zonePath({ kind: 'port', bridge: 'vmbr0', port: 'eth0' }, t.zone)).action);
        }
      }
      const got = await lab.probe(lab.outside as string, probes);
      probes.forEach((p, i) => rows.push({ src, dst: p.addr, proto: p.proto, port: p.port, sim: sims[i]!, kernel: kernelVerdict(got[i]!) }));
    }
    expect(rows.length).toBeGreaterThanOrEqual(50);
    const verdicts = new Set(rows.map((r) => r.kernel));
    expect(verdicts.has('ACCEPT') && verdicts.has('DROP')).toBe(true); // the sample is not trivial
    const disagree = rows.filter((r) => r.sim !== r.kernel);
    expect(disagree).toEqual([]);
  });
});
