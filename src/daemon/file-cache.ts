/**
 * A TreeReader over a directory that remembers each file's text with its identity (inode, size,
 * mtime, ctime): a file whose identity is unchanged is not read again, and its content hash is
 * the remembered one. A file modified within the last `racyMs` is always read (a write in the
 * same clock tick as the previous read would keep its mtime; pmxcfs has one-second mtimes).
 * Directory listings are always read. Hashes are sha256 of the text, as SourceHashes expects.
 *
 * With `changed` (relative paths named by change events since the last pass), a remembered file
 * outside it is served without even a `stat`: the events say it did not change. Passes without
 * it (resyncs, and any pass after an event that named no file) check every file.
 */
import { statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { TreeReader } from '../config/tree-reader.js';
import { FsTree } from '../host/fs-tree.js';
import { sha256 } from './parse-cache.js';
import { listingHash, listingKey } from './source.js';

interface Entry {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  text: string;
  hash: string;
}

/** How readSource uses a FileCache for one pass. */
export interface FileCacheUse {
  cache: FileCache;
  /** Wall-clock ms (file times are wall clock). */
  now: number;
  changed?: ReadonlySet<string>;
}

export class FileCache {
  private files = new Map<string, Entry>();
  /** Files read from disk (not served from memory) by the last reader. */
  reads = 0;
  /** Files `stat`ed by the last reader. */
  stats = 0;

  constructor(private readonly racyMs = 2000) {}

  /** A reader for one pass over `root`; entries of files it does not see are dropped at the end. */
  reader(root: string, now: number, changed?: ReadonlySet<string>): CachingReader {
    this.reads = 0;
    this.stats = 0;
    return new CachingReader(root, this, now, changed);
  }

  /** @internal a remembered file, whatever its identity now. */
  remembered(path: string): Entry | undefined {
    return this.files.get(path);
  }

  /** @internal */
  lookup(path: string, st: Stats, now: number): Entry | undefined {
    const e = this.files.get(path);
    if (!e || e.ino !== st.ino || e.size !== st.size || e.mtimeMs !== st.mtimeMs || e.ctimeMs !== st.ctimeMs) return undefined;
    return now - st.mtimeMs < this.racyMs ? undefined : e;
  }

  /** @internal */
  store(path: string, st: Stats, text: string): Entry {
    const e = { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, text, hash: sha256(text) };
    this.files.set(path, e);
    this.reads++;
    return e;
  }

  /** @internal */
  keepOnly(paths: ReadonlySet<string>): void {
    for (const p of this.files.keys()) if (!paths.has(p)) this.files.delete(p);
  }
}

export class CachingReader implements TreeReader {
  readonly hashes: Record<string, string> = {};
  private readonly fs: FsTree;
  private readonly seen = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly cache: FileCache,
    private readonly now: number,
    private readonly changed: ReadonlySet<string> | undefined,
  ) {
    this.fs = new FsTree(root);
  }

  readFile(path: string): string | undefined {
    const known = this.changed && !this.changed.has(path) ? this.cache.remembered(path) : undefined;
    if (known) {
      this.seen.add(path);
      this.hashes[path] = known.hash;
      return known.text;
    }
    this.cache.stats++;
    let st: Stats;
    try {
      st = statSync(join(this.root, path));
    } catch {
      return this.fs.readFile(path); // missing (undefined) or a typed read error, as FsTree reports it
    }
    let e = st.isFile() ? this.cache.lookup(path, st, this.now) : undefined;
    if (!e) {
      const text = this.fs.readFile(path);
      if (text === undefined) return undefined;
      e = this.cache.store(path, st, text);
    }
    this.seen.add(path);
    this.hashes[path] = e.hash;
    return e.text;
  }

  listDir(path: string): string[] | undefined {
    const names = this.fs.listDir(path);
    if (names !== undefined) this.hashes[listingKey(path)] = listingHash(names);
    return names;
  }

  /** Forgets files this pass did not read (deleted, or no longer part of the tree). */
  done(): void {
    this.cache.keepOnly(this.seen);
  }
}
