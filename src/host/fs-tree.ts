import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { TreeReadError, type TreeReader } from '../config/tree-reader.js';

/** Caps a single config file; pmxcfs limits files to 1 MiB, we allow some headroom. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

function wrap(path: string, err: unknown): never {
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  throw new TreeReadError(path, code, `cannot read ${path}: ${(err as Error).message}`);
}

/** A TreeReader over a directory on disk (`/etc/pve` or an example tree). */
export class FsTree implements TreeReader {
  constructor(readonly root: string) {}

  readFile(path: string): string | undefined {
    const full = join(this.root, path);
    try {
      const buf = readFileSync(full);
      if (buf.length > MAX_FILE_BYTES) throw new TreeReadError(path, 'EFBIG', `${path} is larger than ${MAX_FILE_BYTES} bytes`);
      return buf.toString('utf8');
    } catch (err) {
      if (err instanceof TreeReadError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      wrap(path, err);
    }
  }

  listDir(path: string): string[] | undefined {
    try {
      return readdirSync(join(this.root, path)).sort();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      wrap(path, err);
    }
  }
}
