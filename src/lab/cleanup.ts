import { execFileSync } from 'node:child_process';

/** Namespaces alive in this process, removed synchronously on exit and SIGINT/SIGTERM. */
const live = new Set<string>();
let installed = false;

function removeSync(ns: string): void {
  try {
    const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const p of pids.split('\n').filter(Boolean)) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

export function track(ns: string): void {
  live.add(ns);
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const n of live) removeSync(n);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const n of live) removeSync(n);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export function untrack(ns: string): void {
  live.delete(ns);
}

/** Remove namespaces left behind by an earlier run (only those starting with `prefix`). */
export function sweep(prefix: string): string[] {
  if (!/^[a-z][a-z0-9-]{1,15}$/.test(prefix)) throw new Error(`refusing to sweep with prefix ${JSON.stringify(prefix)}`);
  let names: string[] = [];
  try {
    names = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => n.startsWith(prefix));
  } catch {
    return [];
  }
  for (const n of names) if (!live.has(n)) removeSync(n);
  return names.filter((n) => !live.has(n));
}

export { removeSync };
