import { loadTree } from '../../src/config/tree.js';
import { MemoryTree } from '../../src/config/tree-reader.js';
import { compile } from '../../src/compiler/compile.js';
import type { Ruleset } from '../../src/compiler/ruleset.js';
import { resolve } from '../../src/model/resolve.js';

/** A PVE tree (relative path → contents) through loadTree → resolve → compile, as the daemon does. */
export function compileFiles(files: Record<string, string>, node = 'pve1'): Ruleset {
  const { tree } = loadTree(new MemoryTree(new Map(Object.entries(files))), node);
  const { policy } = resolve(tree, {
    node,
    hostIPv4: '10.1.0.1',
    hostIPv6: 'fd00:1::1',
    localNetwork: '10.1.0.0/24',
    now: Math.floor(Date.now() / 1000),
  });
  return compile(policy, { bridgeConntrack: false });
}
