/**
 * Counter benchmarks (issue 5), in namespaces named `fwtest-fb*` that are always removed:
 * 1. link counter scrape for 10 / 100 / 1,000 / 2,000 ports: addon (RTM_GETSTATS dump + cached
 *    names) vs fallback (`ip -s -j link`), p50/p99; and /metrics end to end (collect + render);
 * 2. TCP throughput (TSO/GSO off) with the tc counter program attached, as a ratio to no program,
 *    interleaved baseline/variant rounds in one run (../shared/BENCH.md); median and IQR.
 * Run: `npx tsx bench/counters.ts [--quick]` (root).
 */
import { spawn } from 'node:child_process';
import { SpawnExec } from '../src/apply/exec.js';
import { Lab } from '../src/lab/index.js';
import { removeSync, track, untrack } from '../src/lab/cleanup.js';
import { Ebpf, detachAll } from '../src/kernel/ebpf.js';
import { IpLinkCounters, NetlinkLinkCounters, type LinkCounterSource } from '../src/kernel/links.js';
import { requireNative } from '../src/kernel/native.js';
import { startKernelCounters } from '../src/kernel/counters.js';
import { MetricsRegistry } from '../src/metrics/registry.js';
import { fmtMs, percentile, summarize } from './stats.js';

const NS = 'fwtest-fb';
const PIN = '/sys/fs/bpf/fwtest-fb';

async function ip(args: string[], stdin?: string): Promise<void> {
  const r = await new SpawnExec().run('ip', args, stdin);
  if (r.exitCode !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
}

async function time(fn: () => Promise<unknown>, n: number): Promise<number[]> {
  await fn(); // warm-up (also fills the name cache)
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

export async function benchScrape(log: (s: string) => void, quick: boolean): Promise<void> {
  removeSync(NS);
  await ip(['netns', 'add', NS]);
  track(NS);
  try {
    let have = 0;
    log('ports   addon p50 / p99        ip -s -j p50 / p99      /metrics p50 / p99');
    for (const n of quick ? [10, 100] : [10, 100, 1000, 2000]) {
      const lines: string[] = [];
      for (let v = have + 1; v <= n; v++) lines.push(`link add tap${1000 + v}i0 type veth peer name p${v}`);
      if (lines.length) await ip(['-n', NS, '-batch', '-'], `${lines.join('\n')}\n`);
      have = n;
      const sources: LinkCounterSource[] = [new NetlinkLinkCounters(requireNative(), { netns: NS }), new IpLinkCounters({ netns: NS })];
      const reg = new MetricsRegistry();
      const kc = await startKernelCounters(reg, { netns: NS });
      const iters = quick ? 20 : n >= 1000 ? 100 : 200;
      const [a, f, m] = [
        summarize(await time(() => sources[0]!.read(), iters)),
        summarize(await time(() => sources[1]!.read(), Math.max(10, iters / 5))),
        summarize(await time(() => reg.scrape(), Math.max(10, iters / 2))),
      ];
      log(`${String(n).padEnd(7)} ${fmtMs(a.p50)} / ${fmtMs(a.p99)}`.padEnd(30) + `${fmtMs(f.p50)} / ${fmtMs(f.p99)}`.padEnd(24) + `${fmtMs(m.p50)} / ${fmtMs(m.p99)}`);
      kc.stop();
      for (const s of sources) s.close();
    }
    log('(addon: one RTM_GETSTATS dump, names cached; /metrics: netlink collect + 4 metrics x N series rendered)');
  } finally {
    removeSync(NS);
    untrack(NS);
  }
}

function iperf(lab: Lab, seconds: number, addr: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = spawn('ip', ['netns', 'exec', lab.outside!, 'iperf3', '-s', '-1', '-p', '5201'], { stdio: 'ignore' });
    setTimeout(async () => {
      const r = await lab.run(lab.guestNs(100), 'iperf3', ['-c', addr, '-p', '5201', '-t', String(seconds), '-J']);
      server.kill('SIGKILL');
      try {
        resolve((JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second);
      } catch {
        reject(new Error(`iperf3 failed: ${r.stderr || r.stdout.slice(0, 200)}`));
      }
    }, 300);
  });
}

export async function benchThroughput(log: (s: string) => void, quick: boolean): Promise<void> {
  const lab = await Lab.create({
    prefix: 'fwtest-fbt',
    bridges: [{ name: 'vmbr0' }],
    guests: [{ vmid: 100, type: 'qemu', bridge: 'vmbr0', ipv4: '10.78.0.100/24' }],
    outside: { bridge: 'vmbr0', ipv4: '10.78.0.50/24' },
  });
  try {
    for (const [ns, dev] of [[lab.guestNs(100), 'eth0'], [lab.outside!, 'eth0'], [lab.host, 'tap100i0'], [lab.host, 'eth0']] as const) {
      await lab.run(ns, 'ethtool', ['-K', dev, 'tso', 'off', 'gso', 'off', 'gro', 'off']);
    }
    const ebpf = await Ebpf.open({ pinDir: PIN, netns: lab.host });
    const rounds = quick ? 2 : 5;
    const secs = quick ? 1 : 3;
    const ratios: number[] = [];
    for (let k = 0; k < rounds; k++) {
      await ebpf.reconcilePorts([]);
      const base = await iperf(lab, secs, '10.78.0.50');
      await ebpf.reconcilePorts(['tap100i0', 'eth0']);
      const withTc = await iperf(lab, secs, '10.78.0.50');
      ratios.push(withTc / base);
      log(`round ${k + 1}: none ${(base / 1e9).toFixed(2)} Gbit/s, tc counters ${(withTc / 1e9).toFixed(2)} Gbit/s, ratio ${(withTc / base).toFixed(3)}`);
    }
    const s = [...ratios].sort((a, b) => a - b);
    log(`tc counter program on both bridge ports / none (TCP, TSO/GSO/GRO off): median ${percentile(s, 50).toFixed(3)}, IQR ${percentile(s, 25).toFixed(3)}–${percentile(s, 75).toFixed(3)} over ${rounds} interleaved rounds`);
    ebpf.close();
  } finally {
    await detachAll({ pinDir: PIN, netns: lab.host }).catch(() => undefined);
    await lab.dispose();
  }
}

export const countersScenario = {
  name: 'counters',
  description: 'counter scrape 10/100/1k/2k ports (addon vs ip -s -j, /metrics) and tc counter throughput ratio',
  async run(ctx: { quick: boolean; log: (line: string) => void }): Promise<void> {
    await benchScrape(ctx.log, ctx.quick);
    await benchThroughput(ctx.log, ctx.quick);
  },
};

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  await countersScenario.run({ quick: process.argv.includes('--quick'), log: (l) => process.stdout.write(`${l}\n`) });
}
