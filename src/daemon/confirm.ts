/**
 * `apply --confirm N`: the previous ruleset is parked in `<state-dir>/confirm-<id>.json` and a
 * detached timer process (`fwctl _rollback-timer`, in its own session so that a dropped SSH
 * connection does not take it along) restores it at the deadline unless `fwctl confirm` removed
 * the file first. Whoever removes or renames the file first wins: that is the only lock.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseState, type AppliedState } from '../apply/index.js';
import { writeAtomic } from './state-store.js';

export interface Pending {
  id: string;
  /** Unix ms. */
  deadline: number;
  /** What to restore; null means "no fwctl tables" (remove them). */
  previous: AppliedState | null;
}

const PREFIX = 'confirm-';
const file = (dir: string, id: string): string => join(dir, `${PREFIX}${id}.json`);

export function newId(): string {
  return randomBytes(6).toString('hex');
}

export function listPending(dir: string): Pending[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(PREFIX) && n.endsWith('.json'));
  } catch {
    return [];
  }
  const out: Pending[] = [];
  for (const n of names) {
    const p = parsePending(join(dir, n));
    if (p) out.push(p);
  }
  return out.sort((a, b) => a.deadline - b.deadline);
}

function parsePending(path: string): Pending | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as { id?: unknown; deadline?: unknown; previous?: unknown };
    if (typeof v.id !== 'string' || typeof v.deadline !== 'number') return undefined;
    const previous = v.previous === null ? null : parseState(JSON.stringify(v.previous));
    if (previous === undefined) return undefined;
    return { id: v.id, deadline: v.deadline, previous };
  } catch {
    return undefined;
  }
}

export async function writePending(dir: string, p: Pending): Promise<void> {
  await writeAtomic(file(dir, p.id), JSON.stringify(p));
}

/** Drops every pending rollback; returns how many there were. */
export async function confirmAll(dir: string): Promise<number> {
  let n = 0;
  for (const p of listPending(dir)) {
    try {
      await unlink(file(dir, p.id));
      n++;
    } catch {
      // the timer got there first
    }
  }
  return n;
}

export async function dropPending(dir: string, id: string): Promise<void> {
  await unlink(file(dir, id)).catch(() => undefined);
}

/** Takes the pending rollback `id` for execution; undefined when it was confirmed (or taken). */
export async function claimPending(dir: string, id: string): Promise<Pending | undefined> {
  const taken = `${file(dir, id)}.taken`;
  try {
    await rename(file(dir, id), taken);
  } catch {
    return undefined;
  }
  const p = parsePending(taken);
  await unlink(taken).catch(() => undefined);
  return p;
}

/** Starts the detached timer: this same program with `_rollback-timer`. */
export function spawnTimer(stateDir: string, id: string): number | undefined {
  const script = process.argv[1];
  if (!script) return undefined;
  const child = spawn(process.execPath, [...process.execArgv, script, '_rollback-timer', '--state-dir', stateDir, '--id', id], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child.pid;
}
