import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { request, socketPath } from '../daemon/control.js';
import type { DaemonStatus } from '../daemon/status.js';
import { projectRoot } from '../kernel/native.js';

export interface DaemonEvent {
  event?: string;
  msg?: string;
  [k: string]: unknown;
}

/** A free TCP port on loopback, for the daemon's /metrics. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

/** `fwctl daemon` as a child process applying into a lab namespace; its JSON log is kept. */
export class DemoDaemon {
  readonly events: DaemonEvent[] = [];
  private constructor(
    private readonly child: ChildProcess,
    readonly stateDir: string,
    readonly metricsUrl: string,
  ) {}

  static async start(o: { netns: string; configDir: string; stateDir: string; args: string[] }): Promise<DemoDaemon> {
    const port = await freePort();
    const bin = join(projectRoot(), 'bin/fwctl.js');
    const listen = `127.0.0.1:${port}`;
    const child = spawn(
      process.execPath,
      [bin, 'daemon', '--config', o.configDir, '--state-dir', o.stateDir, '--metrics-listen', listen, '--netns', o.netns, '--debounce', '50', ...o.args],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSH_CONNECTION: '' } },
    );
    const d = new DemoDaemon(child, o.stateDir, `http://${listen}`);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        d.events.push(JSON.parse(line) as DaemonEvent);
      } catch {
        d.events.push({ msg: line });
      }
    });
    child.stderr!.resume();
    return d;
  }

  async status(): Promise<DaemonStatus | undefined> {
    try {
      return (await request(socketPath(this.stateDir), { cmd: 'status' }, 2000)) as DaemonStatus;
    } catch {
      return undefined;
    }
  }

  /** Waits until the daemon has committed generation ≥ `gen` and nothing is pending. */
  async waitGeneration(gen: number, timeoutMs = 30_000): Promise<DaemonStatus> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.child.exitCode !== null) throw new Error(`the daemon exited (${this.child.exitCode}): ${JSON.stringify(this.events.slice(-3))}`);
      const st = await this.status();
      if (st && st.generation >= gen && !st.pending) return st;
      if (Date.now() > until) throw new Error(`the daemon did not reach generation ${gen}: ${JSON.stringify(st ?? this.events.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  lastApply(): DaemonEvent | undefined {
    return [...this.events].reverse().find((e) => e.event === 'apply');
  }

  async metrics(): Promise<string> {
    const res = await fetch(`${this.metricsUrl}/metrics`);
    return res.text();
  }

  /** SIGTERM: the daemon exits and leaves the rules in place. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const done = new Promise<number | null>((r) => this.child.once('exit', (code) => r(code)));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    const code = await done;
    clearTimeout(t);
    return code;
  }
}
