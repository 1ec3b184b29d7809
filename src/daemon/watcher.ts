import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Watches a config root recursively plus its parent (to see the root vanish and come back).
 * Watches that fail or die are re-armed by `rearm()`, which the daemon calls on every resync;
 * file systems without inotify (pmxcfs) rely on that resync alone.
 */
export class TreeWatcher {
  private root: FSWatcher | undefined;
  private parent: FSWatcher | undefined;

  constructor(
    private readonly dir: string,
    private readonly onChange: (path: string) => void,
  ) {}

  get armed(): boolean {
    return this.root !== undefined;
  }

  rearm(): void {
    if (!this.parent) this.parent = this.open(dirname(this.dir), false, (f) => f === basename(this.dir), () => (this.parent = undefined));
    if (!this.root) this.root = this.open(this.dir, true, () => true, () => (this.root = undefined));
  }

  close(): void {
    this.root?.close();
    this.parent?.close();
    this.root = this.parent = undefined;
  }

  private open(path: string, recursive: boolean, relevant: (f: string) => boolean, dead: () => void): FSWatcher | undefined {
    try {
      const w = watch(path, { recursive, persistent: false }, (_ev, f) => {
        const name = f?.toString() ?? '';
        if (!relevant(name)) return;
        if (!recursive) {
          // the root was replaced: the old recursive watch points at a dead inode
          this.root?.close();
          this.root = undefined;
          this.rearm();
        }
        this.onChange(name);
      });
      w.on('error', () => {
        w.close();
        dead();
        this.onChange(path);
      });
      return w;
    } catch {
      return undefined;
    }
  }
}
