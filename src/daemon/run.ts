import type { Logger } from 'pino';
import { probeFeatures } from '../apply/probe.js';
import { SpawnExec } from '../apply/exec.js';
import { ensureBridgeNf } from '../apply/sysctl.js';
import type { CommonOptions } from '../cli/context.js';
import { metricsRegistry, type MetricsRegistry } from '../metrics/registry.js';
import { startMetricsServer, type MetricsServer } from '../metrics/server.js';
import { serveControl, socketPath, type ControlServer } from './control.js';
import { Daemon } from './daemon.js';
import { findIngress } from './ingress.js';
import { startDaemonCounters } from './kernel-counters.js';
import type { SshSession } from './lockout.js';
import { ensureDir } from './state-store.js';
import { TreeWatcher } from './watcher.js';
import { WorkerEngine } from './worker-engine.js';

export interface RunOptions {
  configDir: string;
  stateDir: string;
  node: string;
  /** --node/--host-ip/--local-network, evaluated by the worker on every compile. */
  common: CommonOptions;
  metricsListen: string;
  strict: boolean;
  /** The session to protect; undefined with --force or without SSH_CONNECTION. */
  ssh?: SshSession;
  resyncMs: number;
  debounceMs: number;
  log: Logger;
  registry?: MetricsRegistry;
  /** Run nft inside this named network namespace (labs, tests); default: the current one. */
  netns?: string;
  /** Load the eBPF counter and blacklist programs (tc on guest ports, XDP on uplinks). */
  ebpf?: boolean;
  /** Guest link counters and rule counters in /metrics (src/kernel); default on, implied by `ebpf`. */
  kernelCounters?: boolean;
}

export class DaemonStartError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'DaemonStartError';
  }
}

/** Runs until SIGTERM/SIGINT; resolves with the exit code. Never touches the kernel on exit. */
export async function runDaemon(o: RunOptions): Promise<number> {
  const log = o.log;
  const registry = o.registry ?? metricsRegistry;
  const dirErr = ensureDir(o.stateDir);
  if (dirErr) log.error({ event: 'state-dir', code: dirErr, dir: o.stateDir }, 'cannot create the state dir; running without persistence');

  const exec = new SpawnExec(o.netns ? { netns: o.netns } : {});
  try {
    for (const s of await ensureBridgeNf(exec)) if (s.changed) log.info({ event: 'sysctl', key: s.key, before: s.before }, `set ${s.key}=1`);
  } catch (e) {
    log.warn({ event: 'sysctl', code: (e as { code?: string }).code }, `bridged traffic may bypass the inet hooks: ${(e as Error).message}`);
  }
  // a failed probe: no bridge conntrack, and plain accepts for `ips: 1` rather than a refused commit
  const features = await probeFeatures(exec).catch(() => ({ bridgeConntrack: false, queue: false }));
  const engine = new WorkerEngine({
    configDir: o.configDir,
    stateDir: o.stateDir,
    node: o.node,
    common: o.common,
    compileFacts: { bridgeConntrack: features.bridgeConntrack, queue: features.queue },
    strict: o.strict,
    ...(o.ssh ? { ssh: { session: o.ssh, ingress: findIngress(o.ssh.serverIp) } } : {}),
    ...(o.netns ? { netns: o.netns } : {}),
  });
  const counters = o.kernelCounters === false && o.ebpf !== true ? undefined : await startDaemonCounters(registry, log, { ...(o.netns ? { netns: o.netns } : {}), ebpf: o.ebpf === true });
  const daemon = new Daemon({
    configDir: o.configDir, stateDir: o.stateDir, engine, log, metrics: registry, debounceMs: o.debounceMs,
    ...(counters ? { onCommit: (view) => counters.update(view) } : {}),
  });

  let metrics: MetricsServer | undefined;
  let control: ControlServer | undefined;
  try {
    control = await serveControl(socketPath(o.stateDir), (req) => {
      if (req.cmd === 'reload') void daemon.reload();
      return daemon.status();
    });
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'EIO';
    if (code === 'EADDRINUSE') throw new DaemonStartError(code, (e as Error).message);
    log.error({ event: 'control', code }, `status socket unavailable: ${(e as Error).message}`);
  }
  try {
    metrics = await startMetricsServer(o.metricsListen, registry, () => {
      const s = daemon.status();
      return { ok: s.healthy, body: { ok: s.healthy, generation: s.generation, lastApply: s.lastApply?.ok ?? null, tree: s.tree.available, error: s.lastApply?.error?.code ?? s.tree.error ?? null } };
    });
    log.info({ event: 'listen', ...metrics.address }, `metrics on http://${metrics.address.host}:${metrics.address.port}/metrics`);
  } catch (e) {
    control?.close();
    throw new DaemonStartError((e as { code?: string }).code ?? 'E_LISTEN', (e as Error).message);
  }

  const watcher = new TreeWatcher(o.configDir, o.node, (path) => daemon.notify(path));
  watcher.rearm();
  log.info({ event: 'start', configDir: o.configDir, stateDir: o.stateDir, node: o.node, watching: watcher.armed, guard: o.ssh ?? null }, 'fwctl daemon starting');
  const exit = new Promise<number>((resolve) => {
    const bye = (sig: string) => {
      log.info({ event: 'stop', signal: sig }, 'stopping; rules stay in place');
      const hard = setTimeout(() => resolve(0), 1800);
      hard.unref();
      void daemon.stop(1200).finally(() => {
        clearTimeout(hard);
        resolve(0);
      });
    };
    process.once('SIGTERM', () => bye('SIGTERM'));
    process.once('SIGINT', () => bye('SIGINT'));
  });
  const onHup = () => {
    log.info({ event: 'sighup' }, 'reloading');
    void daemon.reload();
  };
  process.on('SIGHUP', onHup);
  const resync = setInterval(() => {
    watcher.rearm();
    void daemon.resync();
  }, o.resyncMs);

  await Promise.race([daemon.start(), exit]);
  const code = await exit;
  clearInterval(resync);
  process.off('SIGHUP', onHup);
  watcher.close();
  control?.close();
  await metrics.close();
  counters?.stop();
  await engine.close();
  return code;
}
