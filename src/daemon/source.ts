import { readdirSync, statSync } from 'node:fs';
import type { ConfigTree } from '../config/ast.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { loadTree } from '../config/tree.js';
import { TreeReadError, type TreeReader } from '../config/tree-reader.js';
import { FsTree } from '../host/fs-tree.js';
import type { FileCacheUse } from './file-cache.js';
import { sha256, type ParseCache } from './parse-cache.js';

/** sha256 of every file the loader read (and `<dir>/` → the listing), by relative path. */
export type SourceHashes = Record<string, string>;

export type SourceRead =
  | { ok: true; tree: ConfigTree; diagnostics: Diagnostic[]; hashes: SourceHashes }
  | { ok: false; code: string; path: string; message: string };

class HashingReader implements TreeReader {
  readonly hashes: SourceHashes = {};
  constructor(private readonly inner: TreeReader) {}

  readFile(path: string): string | undefined {
    const text = this.inner.readFile(path);
    if (text !== undefined) this.hashes[path] = sha256(text);
    return text;
  }

  listDir(path: string): string[] | undefined {
    const names = this.inner.listDir(path);
    if (names !== undefined) this.hashes[listingKey(path)] = listingHash(names);
    return names;
  }
}

/**
 * Reads the tree under `root`. A missing, non-directory or EMPTY root counts as unavailable
 * (an unmounted /etc/pve is an empty directory), never as "no config": the caller keeps the
 * last good ruleset instead of compiling an empty policy.
 */
export function readSource(root: string, node: string, cache?: ParseCache, files?: FileCacheUse): SourceRead {
  try {
    if (!statSync(root).isDirectory()) return { ok: false, code: 'ENOTDIR', path: root, message: `${root} is not a directory` };
    if (readdirSync(root).length === 0) return { ok: false, code: 'EEMPTY', path: root, message: `${root} is empty (not mounted?)` };
    const caching = files ? files.cache.reader(root, files.now, files.changed) : undefined;
    const reader = caching ?? new HashingReader(new FsTree(root));
    const { tree, diagnostics } = cache ? cache.load(reader, node, (p) => reader.hashes[p]!) : loadTree(reader, node);
    caching?.done();
    return { ok: true, tree, diagnostics, hashes: reader.hashes };
  } catch (e) {
    if (e instanceof TreeReadError) return { ok: false, code: e.code, path: e.path, message: e.message };
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code === 'string') return { ok: false, code: err.code, path: root, message: err.message };
    throw e;
  }
}

export function sameHashes(a: SourceHashes | undefined, b: SourceHashes | undefined): boolean {
  if (!a || !b) return false;
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** Paths whose content differs between two hash maps (added, removed or changed), sorted. */
export function changedPaths(a: SourceHashes, b: SourceHashes): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

/** SourceHashes keys a directory listing by its path and a slash; the hash covers the sorted names. */
export const listingKey = (path: string): string => `${path}/`;
export const listingHash = (names: readonly string[]): string => sha256(names.join('\n'));
