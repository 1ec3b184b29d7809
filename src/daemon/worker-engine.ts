import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { CompileFacts } from '../compiler/compile.js';
import type { CommonOptions } from '../cli/context.js';
import type { CycleRequest, CycleResult, Engine, Persisted, RestoreResult } from './engine.js';
import type { Ingress, SshSession } from './lockout.js';

/** Everything the worker needs to build its InlineEngine; structured-clonable. */
export interface WorkerConfig {
  configDir: string;
  stateDir: string;
  node: string;
  common: CommonOptions;
  compileFacts: CompileFacts;
  strict: boolean;
  ssh?: { session: SshSession; ingress: Ingress };
  netns?: string;
}

export type WorkerRequest = { id: number; op: 'restore' | 'persist' } | { id: number; op: 'cycle'; req: CycleRequest };
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; code: string; message: string };

/** worker.js next to this module when compiled or bundled, worker.ts when running from source. */
function workerUrl(): URL {
  for (const name of ['worker.js', 'worker.ts']) {
    const u = new URL(`./${name}`, import.meta.url);
    if (existsSync(u)) return u;
  }
  throw new Error(`daemon worker not found next to ${import.meta.url}`);
}

/**
 * The engine on a worker thread. If the worker dies, the next call starts a new one, which
 * first restores the last good ruleset from the state dir (as a daemon restart would).
 */
export class WorkerEngine implements Engine {
  private worker: Worker | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private restarted = false;

  constructor(private readonly config: WorkerConfig) {}

  restore(): Promise<RestoreResult> {
    return this.call({ id: 0, op: 'restore' }) as Promise<RestoreResult>;
  }

  async cycle(req: CycleRequest): Promise<CycleResult> {
    if (this.restarted) {
      this.restarted = false;
      await this.call({ id: 0, op: 'restore' });
    }
    return (await this.call({ id: 0, op: 'cycle', req })) as CycleResult;
  }

  persist(): Promise<Persisted> {
    return this.call({ id: 0, op: 'persist' }) as Promise<Persisted>;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }

  private spawn(): Worker {
    const url = workerUrl();
    // from source (tsx), the worker needs tsx's loader registered in its own thread first
    const w = url.pathname.endsWith('.ts')
      ? new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => t.register()).then(() => import(${JSON.stringify(url.href)}))`, { eval: true, workerData: this.config })
      : new Worker(url, { workerData: this.config });
    w.unref();
    w.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(Object.assign(new Error(m.message), { code: m.code }));
    });
    const dead = (err: Error) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      this.restarted = true;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    w.on('error', (e) => dead(Object.assign(e, { code: 'E_WORKER' })));
    w.on('exit', (code) => dead(Object.assign(new Error(`daemon worker exited (${code})`), { code: 'E_WORKER' })));
    return w;
  }

  private call(msg: WorkerRequest): Promise<unknown> {
    this.worker ??= this.spawn();
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ ...msg, id });
    });
  }
}
