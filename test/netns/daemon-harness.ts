/**
 * Real fwctl processes against real namespaces: a bare namespace per test file (prefix
 * `fwtest-e`), a config tree in a temp dir, the daemon spawned from source with `--netns`, its
 * JSON log parsed, /metrics and /healthz fetched over HTTP, status over the unix socket.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { request, socketPath } from '../../src/daemon/control.js';
import type { DaemonStatus } from '../../src/daemon/status.js';
import { onLines } from '../../src/host/lines.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const ENTRY = join(ROOT, 'src/daemon/entry.ts');
const BUNDLE_DIR = join(ROOT, 'node_modules/.cache/fwctl-test');

/**
 * The CLI bundled once per test run with esbuild (from source, dependencies included; the
 * daemon's worker as a second entry beside it): a process starts in ~0.3 s instead of ~1.8 s
 * through tsx, which matters for the kill -9 loop.
 */
function bundle(): string {
  mkdirSync(BUNDLE_DIR, { recursive: true });
  writeFileSync(join(BUNDLE_DIR, 'package.json'), '{"type":"module"}\n');
  execFileSync(join(ROOT, 'node_modules/.bin/esbuild'), [
    ENTRY, join(ROOT, 'src/daemon/worker.ts'), '--bundle', '--platform=node', '--format=esm', `--outdir=${BUNDLE_DIR}`, '--log-level=warning',
    "--banner:js=import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);",
  ], { cwd: ROOT });
  return join(BUNDLE_DIR, 'entry.js');
}

export const NODE_ARGS = [bundle()];
export const FACTS = ['--node', 'pve1', '--host-ip', '10.9.0.1', '--local-network', '10.9.0.0/24'];

const live = new Set<string>();
const procs = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  for (const ns of live) delNs(ns);
});

function delNs(ns: string): void {
  try {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

/**
 * A bare namespace with loopback up; returns its name, `<name>-<pid>`, so that two copies of the
 * suite (a CI checkout and a working tree) never share one.
 */
export function makeNs(base: string): string {
  if (!/^fwtest-e\d+$/.test(base)) throw new Error(`not one of our namespaces: ${base}`);
  const name = `${base}-${process.pid}`;
  delNs(name);
  execFileSync('ip', ['netns', 'add', name]);
  live.add(name);
  execFileSync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  return name;
}

export function removeNs(name: string): void {
  for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
  delNs(name);
  live.delete(name);
}

/** nft in the namespace; '' when the table does not exist. */
export function kernelTable(ns: string, family = 'inet'): string {
  try {
    return execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', family, 'fwctl'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

export function nftTables(ns: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'tables'], { encoding: 'utf8' });
}

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `fwtest-e-${tag}-`));
}

/** A minimal tree for node pve1: cluster IP set `blocked` with `elem`, host rule accepting `port`. */
export function treeFiles(elem: string, port: number, extraHost = ''): Record<string, string> {
  return {
    'firewall/cluster.fw': `[OPTIONS]\nenable: 1\n\n[IPSET blocked]\n${elem}\n\n[RULES]\nIN DROP -source +blocked\n`,
    'nodes/pve1/host.fw': `[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport ${port}\n${extraHost}`,
  };
}

export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(`${p}.tmp`, text);
    renameSync(`${p}.tmp`, p);
  }
}

export interface LogLine {
  level: number;
  event?: string;
  msg: string;
  [k: string]: unknown;
}

export class DaemonProc {
  readonly logs: LogLine[] = [];
  readonly exited: Promise<number | null>;
  port = 0;
  stderr = '';
  private waiters: (() => void)[] = [];

  constructor(
    readonly proc: ChildProcess,
    readonly stateDir: string,
  ) {
    onLines(proc.stdout!, (line) => {
      try {
        const l = JSON.parse(line) as LogLine;
        if (l.event === 'listen') this.port = Number(l.port);
        this.logs.push(l);
      } catch {
        return; // not ours
      }
      for (const w of this.waiters.splice(0)) w();
    });
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((r) => proc.on('exit', (code) => r(code)));
  }

  async waitLog(pred: (l: LogLine) => boolean, ms = 15000): Promise<LogLine> {
    const end = Date.now() + ms;
    for (;;) {
      const hit = this.logs.find(pred);
      if (hit) return hit;
      if (Date.now() > end) throw new Error(`no matching log line within ${ms} ms; stderr: ${this.stderr.slice(-500)}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async http(path: string): Promise<{ status: number; body: string; ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`);
    const body = await res.text();
    return { status: res.status, body, ms: performance.now() - t0 };
  }

  async status(): Promise<DaemonStatus> {
    return (await request(socketPath(this.stateDir), { cmd: 'status' })) as DaemonStatus;
  }

  /** Stops it with SIGTERM; resolves with the exit code and how long it took. */
  async stop(): Promise<{ code: number | null; ms: number }> {
    const t0 = Date.now();
    this.proc.kill('SIGTERM');
    const code = await this.exited;
    return { code, ms: Date.now() - t0 };
  }
}

export interface StartOptions {
  ns: string;
  configDir: string;
  stateDir: string;
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Wait until the metrics port is known (default true). */
  waitListen?: boolean;
}

export async function startDaemon(o: StartOptions): Promise<DaemonProc> {
  const args = [...NODE_ARGS, 'daemon', '--config', o.configDir, ...FACTS, '--state-dir', o.stateDir, '--metrics-listen', '127.0.0.1:0', '--netns', o.ns, '--resync', '1', '--debounce', '30', ...(o.args ?? [])];
  const env = { ...process.env, ...o.env };
  delete env.SSH_CONNECTION;
  if (o.env?.SSH_CONNECTION) env.SSH_CONNECTION = o.env.SSH_CONNECTION;
  const proc = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.add(proc);
  proc.on('exit', () => procs.delete(proc));
  const d = new DaemonProc(proc, o.stateDir);
  if (o.waitListen !== false) await d.waitLog((l) => l.event === 'listen');
  return d;
}

/** Runs the CLI from source (optionally inside `ns`); never throws on a non-zero exit. */
export function fwctl(args: string[], o: { ns?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const argv = [...NODE_ARGS, ...args];
  const [cmd, full] = o.ns ? ['ip', ['netns', 'exec', o.ns, process.execPath, ...argv]] : [process.execPath, argv];
  const env = { ...process.env, ...o.env };
  if (!o.env?.SSH_CONNECTION) delete env.SSH_CONNECTION;
  return new Promise((res) => {
    const p = spawn(cmd as string, full as string[], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 15000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function metricValue(text: string, name: string, labels = ''): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const [key, value] = line.split(' ');
    if (key === `${name}${labels ? `{${labels}}` : ''}`) return Number(value);
  }
  return undefined;
}

export function rmrf(p: string): void {
  rmSync(p, { recursive: true, force: true });
}
