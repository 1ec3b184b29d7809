import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { treePaths } from '../config/tree.js';

/**
 * Watches the directories of a PVE tree that hold config files (not the files: an editor's or
 * pmxcfs's rename-over replaces the inode, a directory watch sees that), plus the root's parent
 * to see the root vanish and return. Dead or missing watches are re-armed on every event and by
 * `rearm()`, which the daemon calls on each resync; file systems without inotify (pmxcfs) rely on
 * the resync alone.
 */
export class TreeWatcher {
  private readonly watches = new Map<string, FSWatcher>();
  private readonly dirs: string[];

  constructor(
    private readonly root: string,
    node: string,
    /** `path`: the file an event names; undefined when an event cannot be pinned to one file. */
    private readonly onChange: (path: string | undefined) => void,
  ) {
    const nodeDir = dirname(treePaths.host(node));
    this.dirs = [dirname(root), root, ...['firewall', 'nodes', nodeDir, treePaths.guestConfDir(node, 'qemu'), treePaths.guestConfDir(node, 'lxc')].map((d) => join(root, d))];
  }

  /** How many of the directories are watched right now. */
  get armed(): number {
    return this.watches.size;
  }

  rearm(): void {
    for (const dir of this.dirs) if (!this.watches.has(dir)) this.open(dir);
  }

  close(): void {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }

  private open(dir: string): void {
    const isParent = dir === this.dirs[0];
    let w: FSWatcher;
    try {
      w = watch(dir, { persistent: false }, (_ev, f) => {
        const name = f?.toString() ?? '';
        if (isParent && name !== basename(this.root)) return;
        if (isParent || !name) this.reset(); // the root (or a watched dir) was replaced
        else this.rearm(); // a subdirectory may have appeared
        this.onChange(isParent || !name ? undefined : join(dir, name));
      });
    } catch {
      return; // not there (yet)
    }
    w.on('error', () => {
      this.drop(dir);
      this.onChange(undefined);
    });
    this.watches.set(dir, w);
  }

  private drop(dir: string): void {
    this.watches.get(dir)?.close();
    this.watches.delete(dir);
  }

  /** Re-opens every watch below the parent: after a replace, old watches point at dead inodes. */
  private reset(): void {
    for (const dir of this.dirs.slice(1)) this.drop(dir);
    this.rearm();
  }
}
