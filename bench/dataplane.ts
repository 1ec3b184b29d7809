import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNft } from '../src/apply/exec.js';
import { ensureBridgeNf } from '../src/apply/sysctl.js';
import { renderText } from '../src/backend/nft/text.js';
import { compile } from '../src/compiler/compile.js';
import { loadTree } from '../src/config/tree.js';
import { MemoryTree } from '../src/config/tree-reader.js';
import { Lab } from '../src/lab/index.js';
import { resolve } from '../src/model/resolve.js';
import type { BenchContext } from './run.js';
import { FACTS, rulesetSize } from './compile.js';
import { percentile } from './stats.js';
import { syntheticTree } from './synthetic.js';

const SENDER = { vmid: 100, mac: 'bc:24:11:00:01:00', ip: '10.1.0.100' };
const RECEIVER = { vmid: 101, mac: 'bc:24:11:00:01:01', ip: '10.1.0.101' };
const RX_TABLE = 'table netdev fwbench {\n\tcounter rx {}\n\tchain in {\n\t\ttype filter hook ingress device "eth0" priority 0; policy accept;\n\t\tudp dport 9 counter name "rx" drop\n\t}\n}\n';
// 64-byte frames (60 + FCS); the source port walks 1024..65000 so every packet is a new flow
// (conntrack NEW: the whole rule path runs, not just the established shortcut).
const TRAFGEN = `{ eth(da=${RECEIVER.mac}, sa=${SENDER.mac}), ipv4(sa=${SENDER.ip}, da=${RECEIVER.ip}, ttl=64), udp(sp=dinc(1024, 65000), dp=9), fill(0x00, 18) }\n`;

/** The policy: the two real guests plus `extra` firewalled guests (10 rules each) that exist only in the config. */
function rulesetText(extra: number, dropSender: boolean): { text: string; rules: number } {
  const files = syntheticTree({ guests: extra, rules: 10 });
  const conf = (g: { mac: string }): string => `name: bench\nmemory: 512\nnet0: virtio=${g.mac.toUpperCase()},bridge=vmbr0,firewall=1\n`;
  files.set(`nodes/pve1/qemu-server/${SENDER.vmid}.conf`, conf(SENDER));
  files.set(`nodes/pve1/qemu-server/${RECEIVER.vmid}.conf`, conf(RECEIVER));
  files.set(`firewall/${SENDER.vmid}.fw`, '[OPTIONS]\nenable: 1\n');
  const gate = dropSender ? `IN DROP -source ${SENDER.ip}\n` : '';
  files.set(`firewall/${RECEIVER.vmid}.fw`, `[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\n${gate}IN ACCEPT -p udp -dport 9\n`);
  const { tree } = loadTree(new MemoryTree(files), 'pve1');
  const rs = compile(resolve(tree, { ...FACTS, now: 0 }).policy, { bridgeConntrack: false });
  return { text: renderText(rs), rules: rulesetSize(rs).rules };
}

interface CpuSample {
  busy: number;
  softirq: number;
  steal: number;
  total: number;
}

function cpu(): CpuSample {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f as [number, number, number, number, number, number, number, number];
  return { busy: user + nice + system + irq + softirq, softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal };
}

interface Trial {
  sent: number;
  received: number;
  /** ns of CPU per packet (all CPUs, USER_HZ ticks from /proc/stat). */
  busyNs: number;
  softirqNs: number;
  stealPct: number;
}

class Bench {
  constructor(
    private readonly lab: Lab,
    private readonly dir: string,
  ) {}

  private async must(ns: string, cmd: string, args: string[], stdin?: string): Promise<string> {
    const r = await this.lab.run(ns, cmd, args, stdin);
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} in ${ns}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async setup(): Promise<void> {
    const rx = this.lab.guestNs(RECEIVER.vmid);
    await runNft(this.lab.execIn(rx), ['-f', '-'], RX_TABLE);
    await ensureBridgeNf(this.lab.execIn(this.lab.host));
    for (const vmid of [SENDER.vmid, RECEIVER.vmid]) await this.must(this.lab.guestNs(vmid), 'ethtool', ['-K', 'eth0', 'tso', 'off', 'gso', 'off', 'gro', 'off']);
    await writeFile(join(this.dir, 'trafgen.cfg'), TRAFGEN);
  }

  /** Replaces the host namespace's whole ruleset (only fwctl's tables live there); undefined = no filter. */
  async load(text: string | undefined): Promise<void> {
    const exec = this.lab.execIn(this.lab.host);
    await runNft(exec, ['flush', 'ruleset']);
    if (text !== undefined) await runNft(exec, ['-f', '-'], text);
    // new flows must stay new across trials: unreplied UDP entries expire in 1 s (this namespace only)
    await this.lab.run(this.lab.host, 'sysctl', ['-q', '-w', 'net.netfilter.nf_conntrack_udp_timeout=1']);
  }

  private async rx(): Promise<number> {
    const out = await runNft(this.lab.execIn(this.lab.guestNs(RECEIVER.vmid)), ['-j', 'list', 'counter', 'netdev', 'fwbench', 'rx']);
    const doc = JSON.parse(out) as { nftables: { counter?: { packets: number } }[] };
    return doc.nftables.find((x) => x.counter)?.counter?.packets ?? NaN;
  }

  async trial(pps: number, seconds: number): Promise<Trial> {
    const sent = Math.round(pps * seconds);
    const r0 = await this.rx();
    const c0 = cpu();
    await this.must(this.lab.guestNs(SENDER.vmid), 'trafgen', ['--dev', 'eth0', '--conf', join(this.dir, 'trafgen.cfg'), '--rate', `${pps}pps`, '--num', String(sent), '--cpus', '1', '--no-sock-mem']);
    await new Promise((r) => setTimeout(r, 100)); // let the last packets land
    const c1 = cpu();
    const received = (await this.rx()) - r0;
    const tick = 1e9 / 100; // USER_HZ
    const total = c1.total - c0.total;
    return {
      sent,
      received,
      busyNs: ((c1.busy - c0.busy) * tick) / sent,
      softirqNs: ((c1.softirq - c0.softirq) * tick) / sent,
      stealPct: total > 0 ? (100 * (c1.steal - c0.steal)) / total : 0,
    };
  }
}

const med = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);
const iqr = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${percentile(s, 25).toFixed(3)}–${percentile(s, 75).toFixed(3)}`;
};

export async function benchDataplane(ctx: BenchContext): Promise<void> {
  const q = ctx.quick;
  const guests = q ? [10, 100] : [10, 100, 1000];
  const rounds = q ? 1 : 5;
  const seconds = q ? 1 : 3;
  const pps = 50_000;
  ctx.log(`  method: sender (${SENDER.ip}, tap${SENDER.vmid}i0) → vmbr0 in ${'fwbench-h'} (fwctl's compiled ruleset, nft -f of its text) → receiver (tap${RECEIVER.vmid}i0), netdev-ingress 'counter drop' at the receiver`);
  ctx.log(`  traffic: trafgen 64-byte UDP at ${pps} pps for ${seconds} s per trial, source port walking (each packet a new conntrack flow); offloads off on the endpoints`);
  ctx.log(`  figure: softirq CPU per packet = Δ softirq (all CPUs, /proc/stat, 10 ms ticks) / packets sent (Δ busy of the whole machine is shown too but includes other tenants); schedule [baseline(no filter), ${guests.map((g) => `${g} guests`).join(', ')}] x ${rounds} rounds; ratio to the adjacent (same-round) baseline; median and IQR`);

  const texts = new Map<number, string>();
  for (const g of guests) {
    const r = rulesetText(g, false);
    texts.set(g, r.text);
    ctx.log(`  ruleset with ${g} extra guests: ${r.rules} rules`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'fwbench-'));
  const lab = await Lab.create({
    prefix: 'fwbench-',
    bridges: [{ name: 'vmbr0' }],
    guests: [SENDER, RECEIVER].map((g) => ({ vmid: g.vmid, type: 'qemu' as const, bridge: 'vmbr0', mac: g.mac, ipv4: `${g.ip}/24` })),
  });
  try {
    const b = new Bench(lab, dir);
    await b.setup();
    // correctness gate
    await b.load(rulesetText(guests[0]!, true).text);
    const blocked = await b.trial(2000, 0.5);
    await b.load(texts.get(guests[0]!));
    const open = await b.trial(2000, 0.5);
    const gateOk = blocked.received === 0 && open.received >= open.sent * 0.99;
    ctx.log(`  gate: with 'IN DROP -source ${SENDER.ip}' on the receiver ${blocked.received}/${blocked.sent} received; without it ${open.received}/${open.sent} → ${gateOk ? 'PASS' : 'FAIL'}`);
    if (!gateOk) throw new Error('dataplane correctness gate failed; no timing taken');

    const ratios = new Map<number, number[]>(guests.map((g) => [g, []]));
    const abs = new Map<string, number[]>();
    const push = (k: string, v: number): void => void abs.set(k, [...(abs.get(k) ?? []), v]);
    let discarded = 0;
    const measure = async (label: string): Promise<Trial> => {
      for (let attempt = 0; ; attempt++) {
        const t = await b.trial(pps, seconds);
        if (t.stealPct <= 5 || attempt >= 2) {
          if (t.received < t.sent * 0.99) ctx.log(`    note: ${label} received ${t.received}/${t.sent}`);
          return t;
        }
        discarded++;
      }
    };
    for (let round = 0; round < rounds; round++) {
      await b.load(undefined);
      const base = await measure('baseline');
      push('baseline', base.busyNs);
      push('baseline softirq', base.softirqNs);
      for (const g of guests) {
        await b.load(texts.get(g));
        const t = await measure(`${g} guests`);
        push(`${g}`, t.busyNs);
        push(`${g} softirq`, t.softirqNs);
        ratios.get(g)!.push(t.softirqNs / base.softirqNs);
        push(`${g} added`, t.softirqNs - base.softirqNs);
      }
    }
    await b.load(undefined);
    ctx.log(`  trials discarded for CPU steal > 5 %: ${discarded}`);
    ctx.log(`  baseline (no filter): ${med(abs.get('baseline')!).toFixed(0)} ns/packet busy, ${med(abs.get('baseline softirq')!).toFixed(0)} ns softirq (medians; diagnostic only)`);
    for (const g of guests) {
      ctx.log(`  ${String(g).padStart(5)} guests: softirq ratio to baseline median ${med(ratios.get(g)!).toFixed(3)} (IQR ${iqr(ratios.get(g)!)}); added by the filter ${med(abs.get(`${g} added`)!).toFixed(0)} ns/packet (median); ${med(abs.get(`${g} softirq`)!).toFixed(0)} ns softirq, ${med(abs.get(`${g}`)!).toFixed(0)} ns busy`);
    }
    const first = med(ratios.get(guests[0]!)!);
    const last = med(ratios.get(guests[guests.length - 1]!)!);
    ctx.log(`  flatness: ${guests[guests.length - 1]} guests / ${guests[0]} guests = ${(last / first).toFixed(3)} (ratio of softirq ratios; 1.0 = flat)`);
  } finally {
    await lab.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}
