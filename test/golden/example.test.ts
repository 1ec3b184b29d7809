/**
 * Golden file: the nft text of the compiled examples/pve tree (node pve1). Review diffs of
 * example.nft like code; regenerate with UPDATE_GOLDEN=1 npx vitest run test/golden.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderText } from '../../src/backend/nft/text.js';
import { compile } from '../../src/compiler/compile.js';
import { loadTree } from '../../src/config/index.js';
import { FsTree } from '../../src/host/fs-tree.js';
import { resolve } from '../../src/model/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const GOLDEN = join(here, 'example.nft');
const EXAMPLE = join(here, '../../examples/pve');
const FACTS = { node: 'pve1', hostIPv4: '10.10.10.11', hostIPv6: 'fd00:10::11', localNetwork: '10.10.10.0/24', now: 1_700_000_000 };

function render(): string {
  const { tree } = loadTree(new FsTree(EXAMPLE), FACTS.node);
  const { policy } = resolve(tree, FACTS);
  return renderText(compile(policy, { bridgeConntrack: false }));
}

describe('golden: examples/pve compiled to nft text', () => {
  it('matches test/golden/example.nft', () => {
    const text = render();
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    expect(existsSync(GOLDEN), 'run with UPDATE_GOLDEN=1 to create it').toBe(true);
    expect(text).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('is deterministic', () => {
    expect(render()).toBe(render());
  });
});
