/**
 * Config change → kernel latency through the real daemon process, and /metrics latency while it
 * applies. The daemon runs from source with `--netns` against a namespace this bench creates
 * (`fwtest-e9`) and always removes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { onLines } from '../src/host/lines.js';
import { fmtMs, summarize, type Summary } from './stats.js';
import { syntheticTree } from './synthetic.js';

export interface DaemonBenchOptions {
  guests?: number;
  rules?: number;
  samples?: number;
  netns?: string;
}

export interface DaemonBenchResult {
  guests: number;
  rules: number;
  firstApplyMs: number;
  /** Changes with nothing else going on (Prometheus scrapes every 15 s or so). */
  quiet: ChangeFigures;
  /** The same changes while /metrics is fetched every 10 ms. */
  loaded: ChangeFigures;
  metrics: Summary;
  metricsDuringApply: Summary;
  /** /metrics requests that failed (connection error or non-200). */
  metricsFailed: number;
}

export interface ChangeFigures {
  ipset: Summary;
  guest: Summary;
  /** The daemon's own figures for the same changes: read + compile + nft (excludes watch and debounce). */
  ipsetInternal: Summary;
  guestInternal: Summary;
  ipsetPhases: string;
  guestPhases: string;
}

interface ApplyLog {
  event?: string;
  generation?: number;
  totalMs?: number;
  readMs?: number;
  buildMs?: number;
  applyMs?: number;
  mode?: string;
}

/** The CLI entry: compiled JS when running from dist, else the TypeScript source through tsx. */
function entryArgs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, '../src/daemon/entry.js');
  if (existsSync(js)) return [js];
  return ['--import', 'tsx', join(here, '../src/daemon/entry.ts')];
}

function writeFiles(root: string, files: Map<string, string>): void {
  for (const [rel, text] of files) writeOne(root, rel, text);
}

function writeOne(root: string, rel: string, text: string): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(`${p}.tmp`, text);
  renameSync(`${p}.tmp`, p);
}

class Daemon {
  private readonly waiters: ((l: ApplyLog) => void)[] = [];
  private readonly applies: ApplyLog[] = [];
  port = 0;
  busy = false;
  private onExit: ((code: number | null) => void) | undefined;

  constructor(readonly proc: ChildProcess) {
    proc.on('exit', (code) => this.onExit?.(code));
    onLines(proc.stdout!, (line) => {
      if (process.env.FWCTL_BENCH_DEBUG) process.stderr.write(`${line.slice(0, 300)}\n`);
      let l: ApplyLog & { port?: number };
      try {
        l = JSON.parse(line) as ApplyLog & { port?: number };
      } catch {
        return;
      }
      if (l.event === 'listen') this.port = Number(l.port);
      if (l.event === 'apply' || l.event === 'apply-failed') {
        this.applies.push(l);
        for (const w of this.waiters.splice(0)) w(l);
      }
    });
  }

  nextApply(ms = 60_000): Promise<ApplyLog> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no apply within ${ms} ms`)), ms);
      this.onExit = (code) => {
        clearTimeout(t);
        reject(new Error(`the daemon exited (${code})`));
      };
      this.waiters.push((l) => {
        clearTimeout(t);
        resolve(l);
      });
    });
  }
}

function removeNs(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // not there
  }
}

/** Runs the scenario; the namespace and temp dir are removed on every path out. */
export async function benchDaemon(o: DaemonBenchOptions = {}): Promise<DaemonBenchResult> {
  const guests = o.guests ?? 1000;
  const rules = o.rules ?? 10;
  const samples = o.samples ?? 40;
  const ns = o.netns ?? 'fwtest-e9';
  const dir = mkdtempSync(join(tmpdir(), 'fwtest-e-bench-'));
  const cfg = join(dir, 'cfg');
  removeNs(ns); // left over by an interrupted run
  execFileSync('ip', ['netns', 'add', ns]);
  let proc: ChildProcess | undefined;
  try {
    execFileSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const files = syntheticTree({ guests, rules });
    writeFiles(cfg, files);
    const args = [
      ...entryArgs(), 'daemon', '--config', cfg, '--node', 'pve1', '--host-ip', '10.10.10.11', '--local-network', '10.10.10.0/24',
      '--state-dir', join(dir, 'state'), '--metrics-listen', '127.0.0.1:0', '--netns', ns, '--resync', '3600', '--debounce', '5', ...(process.env.FWCTL_BENCH_DAEMON_ARGS ?? '').split(' ').filter(Boolean),
    ];
    const nodeArgs = (process.env.FWCTL_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
    proc = spawn(process.execPath, [...nodeArgs, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const d = new Daemon(proc);
    const t0 = performance.now();
    const first = await d.nextApply(900_000);
    const firstApplyMs = performance.now() - t0;
    if (first.event !== 'apply') throw new Error('the first apply failed');

    // /metrics poller (second phase only): sequential GETs every 10 ms; each sample is tagged
    // "during an apply" when a config change was in flight while it ran
    const metricsAll: number[] = [];
    const metricsBusy: number[] = [];
    let polling = false;
    let metricsFailed = 0;
    const poll = async () => {
      while (polling) {
        const busy = d.busy;
        const s = performance.now();
        const ok = await fetch(`http://127.0.0.1:${d.port}/metrics`).then((r) => r.text().then(() => r.ok), () => false);
        const ms = performance.now() - s;
        if (!ok) metricsFailed++;
        metricsAll.push(ms);
        if (busy || d.busy) metricsBusy.push(ms);
        await new Promise((r) => setTimeout(r, 10));
      }
    };

    const measure = async (change: (i: number) => void, n: number): Promise<{ e2e: number[]; internal: number[]; phases: string }> => {
      const e2e: number[] = [];
      const internal: number[] = [];
      const read: number[] = [];
      const buildMs: number[] = [];
      const nft: number[] = [];
      for (let i = 0; i < n + 2; i++) {
        const next = d.nextApply();
        d.busy = true;
        const s = performance.now();
        change(i);
        const l = await next;
        const ms = performance.now() - s;
        d.busy = false;
        if (l.event !== 'apply' || l.mode === 'noop') throw new Error(`change ${i} did not apply: ${JSON.stringify(l)}`);
        if (i < 2) continue; // warm-up
        e2e.push(ms);
        internal.push(l.totalMs ?? NaN);
        read.push(l.readMs ?? NaN);
        buildMs.push(l.buildMs ?? NaN);
        nft.push(l.applyMs ?? NaN);
        await new Promise((r) => setTimeout(r, 30));
      }
      const med = (xs: number[]) => fmtMs(summarize(xs).p50);
      return { e2e, internal, phases: `read+parse ${med(read)}, resolve+compile ${med(buildMs)}, plan+nft ${med(nft)} (medians)` };
    };

    const cluster = files.get('firewall/cluster.fw')!;
    const extra: string[] = [];
    const vmid = 1000 + Math.floor(guests / 2);
    const guestFw = files.get(`firewall/${vmid}.fw`)!;
    let port = 20000;
    const phase = async (): Promise<ChangeFigures> => {
      const ipset = await measure(() => {
        extra.push(`10.98.${extra.length >> 8}.${extra.length & 0xff}`);
        writeOne(cfg, 'firewall/cluster.fw', cluster.replace('[IPSET management]\n', `[IPSET management]\n${extra.join('\n')}\n`));
      }, samples);
      const guest = await measure(() => writeOne(cfg, `firewall/${vmid}.fw`, `${guestFw}IN ACCEPT -p tcp -dport ${port++}\n`), samples);
      return {
        ipset: summarize(ipset.e2e), guest: summarize(guest.e2e),
        ipsetInternal: summarize(ipset.internal), guestInternal: summarize(guest.internal),
        ipsetPhases: ipset.phases, guestPhases: guest.phases,
      };
    };
    const quiet = await phase();
    polling = true;
    const poller = poll();
    const loaded = await phase();
    polling = false;
    await poller;
    return { guests, rules, firstApplyMs, quiet, loaded, metrics: summarize(metricsAll), metricsDuringApply: summarize(metricsBusy), metricsFailed };
  } finally {
    if (proc && proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc!.once('exit', r));
    }
    removeNs(ns);
    rmSync(dir, { recursive: true, force: true });
  }
}

export function reportDaemon(r: DaemonBenchResult): string {
  const row = (name: string, s: Summary, goal: string) => `  ${name.padEnd(34)} median ${fmtMs(s.p50).padStart(9)}  p99 ${fmtMs(s.p99).padStart(9)}  (n=${s.n}; goal p99 ${goal})`;
  const figures = (title: string, f: ChangeFigures) => [
    `  ${title}:`,
    row('one IP-set element added', f.ipset, '100 ms'),
    row('  internal', f.ipsetInternal, '-'),
    `    ${f.ipsetPhases}`,
    row("one guest's rules changed", f.guest, '300 ms'),
    row('  internal', f.guestInternal, '-'),
    `    ${f.guestPhases}`,
  ];
  return [
    `Method: a real \`fwctl daemon\` process (--netns, --debounce 5 ms, inotify watch) on a synthetic tree of ${r.guests} guests x ${r.rules} rules.`,
    '  Latency = file rename in the config dir → the daemon logs the committed apply (nft has returned). Two warm-up changes dropped.',
    '  "internal" = the daemon\'s own read + compile + nft time for the same change (no watch/debounce/log pipe).',
    '  Two phases: the changes alone, then the same changes while this process GETs /metrics every 10 ms over loopback HTTP ("during apply" = requests that overlapped a change in flight).',
    `  first full apply (start → first apply logged, incl. process start): ${fmtMs(r.firstApplyMs)}`,
    ...figures('no /metrics load', r.quiet),
    ...figures('/metrics fetched every 10 ms meanwhile', r.loaded),
    row('/metrics, second phase', r.metrics, '-'),
    row('/metrics during applies', r.metricsDuringApply, '50 ms'),
    `  /metrics failed requests: ${r.metricsFailed}`,
  ].join('\n');
}

export const daemonScenario = {
  name: 'daemon',
  description: 'config change → kernel latency through a real daemon (one IP-set element, one guest), /metrics while applying',
  async run(ctx: { quick: boolean; log: (line: string) => void }): Promise<void> {
    ctx.log(reportDaemon(await benchDaemon(ctx.quick ? { guests: 50, samples: 5 } : { guests: 1000, samples: 20 })));
  },
};
