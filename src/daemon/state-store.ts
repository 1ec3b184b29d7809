import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { parseState, type AppliedState } from '../apply/index.js';
import type { SourceHashes } from './source.js';

export const DEFAULT_STATE_DIR = '/var/lib/fwctl';
const FILE = 'last-good.json';

/** The last ruleset fwctl committed and the sources it was compiled from. */
export interface LastGood {
  version: 1;
  generation: number;
  /** Unix ms when it was committed. */
  appliedAt: number;
  hashes: SourceHashes;
  applied: AppliedState;
}

export class StateError extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'StateError';
  }
}

export function stateFile(dir: string): string {
  return join(dir, FILE);
}

/** Undefined for a missing or corrupt file (a torn write cannot happen: see save). */
export function loadLastGood(dir: string): LastGood | undefined {
  let text: string;
  try {
    text = readFileSync(stateFile(dir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<LastGood>;
    const applied = v.applied ? parseState(JSON.stringify(v.applied)) : undefined;
    if (v.version !== 1 || !applied || typeof v.generation !== 'number' || typeof v.hashes !== 'object' || v.hashes === null) return undefined;
    return { version: 1, generation: v.generation, appliedAt: Number(v.appliedAt ?? 0), hashes: v.hashes, applied };
  } catch {
    return undefined;
  }
}

/** Writes `text` to `path` atomically: temp file in the same dir, fsync, rename. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(text);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    const err = e as NodeJS.ErrnoException;
    throw new StateError(err.code ?? 'EIO', path, `cannot write ${path}: ${err.message}`);
  }
}

export async function saveLastGood(dir: string, s: LastGood): Promise<void> {
  await writeAtomic(stateFile(dir), JSON.stringify(s));
}

/** Creates the state dir if needed; returns the error code instead of throwing. */
export function ensureDir(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? 'EIO';
  }
}
