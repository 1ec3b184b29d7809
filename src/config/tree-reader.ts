/**
 * The loader's only window on the file system. Pure code takes a TreeReader; src/host/fs-tree.ts
 * implements it over node:fs, tests implement it over a Map.
 *
 * `readFile` returns undefined when the file does not exist and throws a TreeReadError for any
 * other failure, so that a daemon can tell "no such file" from "the cluster file system is gone".
 */
export interface TreeReader {
  readFile(path: string): string | undefined;
  /** Entry names of a directory, or undefined when it does not exist. */
  listDir(path: string): string[] | undefined;
}

export class TreeReadError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TreeReadError';
  }
}

/** A TreeReader over an in-memory map of relative paths to contents. */
export class MemoryTree implements TreeReader {
  constructor(private readonly files: Map<string, string>) {}

  readFile(path: string): string | undefined {
    return this.files.get(path);
  }

  listDir(path: string): string[] | undefined {
    const prefix = path === '' ? '' : path.endsWith('/') ? path : `${path}/`;
    const names = new Set<string>();
    for (const key of this.files.keys()) {
      if (!key.startsWith(prefix)) continue;
      const first = key.slice(prefix.length).split('/')[0];
      if (first) names.add(first);
    }
    return names.size ? [...names].sort() : undefined;
  }
}
