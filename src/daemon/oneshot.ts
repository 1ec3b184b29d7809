/** The one-shot verbs (`apply`, `stop`, the rollback timer), outside the daemon. */
import { NftApplier, type AppliedState } from '../apply/index.js';
import { SpawnExec } from '../apply/exec.js';
import { probeFeatures } from '../apply/probe.js';
import { TABLE } from '../compiler/names.js';
import type { Ruleset } from '../compiler/ruleset.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import type { HostFacts } from '../model/policy.js';
import { build } from './build.js';
import { claimPending, dropPending, listPending, newId, spawnTimer, writePending } from './confirm.js';
import { daemonRunning, socketPath } from './control.js';
import { findIngress } from './ingress.js';
import { checkLockout, type SshSession } from './lockout.js';
import { readSource } from './source.js';
import { detachAll } from '../kernel/ebpf.js';
import { pinDirFor } from './kernel-counters.js';
import { ensureDir, loadLastGood, saveLastGood, StateError } from './state-store.js';

export const FWCTL_TABLES = [
  { family: 'inet', name: TABLE },
  { family: 'bridge', name: TABLE },
] as const;

export interface ApplyOnceOptions {
  configDir: string;
  node: string;
  facts: (now: number) => HostFacts;
  stateDir: string;
  strict: boolean;
  force: boolean;
  ssh?: SshSession;
  confirmSeconds?: number;
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Exit codes of `fwctl apply`. */
export const APPLY_EXIT = { ok: 0, refused: 1, usage: 2, failed: 3 } as const;

export async function applyOnce(o: ApplyOnceOptions): Promise<number> {
  if (await daemonRunning(socketPath(o.stateDir))) {
    o.err(`a fwctl daemon is running (${socketPath(o.stateDir)}): change the config tree instead, or stop the daemon`);
    return APPLY_EXIT.refused;
  }
  const src = readSource(o.configDir, o.node);
  if (!src.ok) {
    o.err(`cannot read the config tree: ${src.message} (kernel untouched)`);
    return APPLY_EXIT.refused;
  }
  const nowMs = Date.now();
  const exec = new SpawnExec();
  const features = await probeFeatures(exec).catch(() => ({ bridgeConntrack: false, queue: false }));
  const built = build(src.tree, src.diagnostics, o.facts(Math.floor(nowMs / 1000)), { bridgeConntrack: features.bridgeConntrack, queue: features.queue });
  for (const d of built.diagnostics) o.err(formatDiagnostic(d));
  if (!features.queue && built.ipsGuests.length) o.err(`warning: guest(s) ${built.ipsGuests.join(' ')} have \`ips: 1\` but the kernel has no nft_queue: their traffic is accepted without the IPS`);
  const errors = built.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors && o.strict) {
    o.err(`--strict: ${errors} error(s); nothing applied`);
    return APPLY_EXIT.refused;
  }
  if (o.ssh && !o.force) {
    const v = checkLockout(built.ruleset, o.ssh, findIngress(o.ssh.serverIp));
    if (v.cut) {
      o.err(`refusing: this ruleset would ${v.action} your SSH session (${o.ssh.clientIp} → ${o.ssh.serverIp}:${o.ssh.serverPort}); fix the config or use --force`);
      return APPLY_EXIT.refused;
    }
  }

  const dirErr = ensureDir(o.stateDir);
  const last = loadLastGood(o.stateDir);
  let pendingId: string | undefined;
  if (o.confirmSeconds !== undefined) {
    if (dirErr) {
      o.err(`--confirm needs a writable state dir (${o.stateDir}: ${dirErr}); nothing applied`);
      return APPLY_EXIT.refused;
    }
    const earlier = listPending(o.stateDir);
    // a second unconfirmed apply keeps the oldest known-good ruleset as the rollback target
    const previous: AppliedState | null = earlier[0]?.previous ?? last?.applied ?? null;
    pendingId = newId();
    try {
      await writePending(o.stateDir, { id: pendingId, deadline: nowMs + o.confirmSeconds * 1000, previous });
    } catch (e) {
      o.err(`--confirm: ${(e as Error).message}; nothing applied`);
      return APPLY_EXIT.refused;
    }
    for (const p of earlier) await dropPending(o.stateDir, p.id);
    if (spawnTimer(o.stateDir, pendingId) === undefined) {
      await dropPending(o.stateDir, pendingId);
      o.err('--confirm: cannot start the rollback timer; nothing applied');
      return APPLY_EXIT.failed;
    }
  }

  const applier = new NftApplier(last ? { state: last.applied } : {});
  try {
    const r = await applier.apply(built.ruleset);
    o.out(`applied: ${r.mode}, ${r.commands} command(s), ${r.durationMs.toFixed(1)} ms${r.changed.length ? `, changed: ${r.changed.join(' ')}` : ''}`);
  } catch (e) {
    if (pendingId) await dropPending(o.stateDir, pendingId);
    o.err(`apply failed, the kernel is unchanged: ${(e as Error).message}`);
    return APPLY_EXIT.failed;
  }
  try {
    await saveLastGood(o.stateDir, { version: 1, generation: (last?.generation ?? 0) + 1, appliedAt: Date.now(), hashes: src.hashes, applied: { version: 1, ruleset: built.ruleset } });
  } catch (e) {
    o.err(`warning: ${e instanceof StateError ? e.message : String(e)}`);
  }
  if (pendingId) o.out(`run \`fwctl confirm\` within ${o.confirmSeconds} s, or the previous ruleset comes back`);
  return APPLY_EXIT.ok;
}

/** Restores `ruleset` (null: removes fwctl's tables) and records it as the last good one. */
export async function restore(stateDir: string, previous: AppliedState | null): Promise<void> {
  const applier = new NftApplier();
  if (previous === null || previous.ruleset.tables.length === 0) {
    await applier.stop([...FWCTL_TABLES]);
  } else {
    await applier.apply(previous.ruleset, { full: true });
  }
  const last = loadLastGood(stateDir);
  const ruleset: Ruleset = previous?.ruleset ?? { tables: [] };
  await saveLastGood(stateDir, { version: 1, generation: (last?.generation ?? 0) + 1, appliedAt: Date.now(), hashes: {}, applied: { version: 1, ruleset } }).catch(() => undefined);
}

/** The detached timer: sleeps until the deadline, then rolls back unless confirmed. */
export async function rollbackTimer(stateDir: string, id: string): Promise<number> {
  const p = listPending(stateDir).find((x) => x.id === id);
  if (!p) return 0;
  await new Promise((r) => setTimeout(r, Math.max(0, p.deadline - Date.now())));
  const claimed = await claimPending(stateDir, id);
  if (!claimed) return 0;
  await restore(stateDir, claimed.previous);
  return 0;
}

/**
 * `fwctl stop`: removes fwctl's tables (also ones this process has no record of), then every fwctl
 * tc/XDP program and the pins (`detachAll`). Without the native addon nothing can be attached, so
 * there is nothing to detach.
 */
export async function stopAll(o: { netns?: string } = {}): Promise<void> {
  await new NftApplier(o.netns ? { netns: o.netns } : {}).stop([...FWCTL_TABLES]);
  try {
    await detachAll({ ...(o.netns ? { netns: o.netns } : {}), pinDir: pinDirFor(o.netns) });
  } catch (e) {
    if ((e as { code?: string }).code !== 'E_NATIVE_UNAVAILABLE') throw e;
  }
}
