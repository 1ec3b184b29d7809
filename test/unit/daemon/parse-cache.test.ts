import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { ParseCache } from '../../../src/daemon/parse-cache.js';
import { syntheticTree } from '../../../bench/synthetic.js';

const FIX = join(import.meta.dirname, '../../fixtures/pve-firewall');

function filesUnder(dir: string, out = new Map<string, string>(), root = dir): Map<string, string> {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) filesUnder(p, out, root);
    else out.set(relative(root, p), readFileSync(p, 'utf8'));
  }
  return out;
}

const mixed = new Map([
  ['firewall/cluster.fw', '[OPTIONS]\nenable: 1\n'],
  ['firewall/100.fw', '[RULES]\nIN ACCEPT -dport 1\n'],
  ['nodes/a/host.fw', '[RULES]\nIN BAD\n'],
  ['nodes/a/qemu-server/100.conf', 'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1\n'],
  ['nodes/a/lxc/100.conf', 'net0: name=eth0\n'],
  ['corosync.conf', 'nodelist {\n  node {\n    name: a\n    ring0_addr: 10.0.0.1\n  }\n}\n'],
]);

it('gives what loadTree gives, on every fixture tree and a tree with duplicates and errors', () => {
  const trees: [Map<string, string>, string][] = [[mixed, 'a'], [syntheticTree({ guests: 5, rules: 3 }), 'pve1']];
  for (const d of readdirSync(FIX)) if (d.startsWith('test-')) trees.push([filesUnder(join(FIX, d)), 'proxmox']);
  for (const [files, node] of trees) {
    const cache = new ParseCache();
    const want = loadTree(new MemoryTree(files), node);
    expect(cache.load(new MemoryTree(files), node)).toEqual(want);
    expect(cache.load(new MemoryTree(files), node)).toEqual(want); // served from the cache
  }
});

it('re-parses only changed files and keeps the unchanged ASTs (===)', () => {
  const files = syntheticTree({ guests: 20, rules: 3 });
  const cache = new ParseCache();
  const first = cache.load(new MemoryTree(files), 'pve1');
  expect(cache.parsed).toBeGreaterThan(40);
  const again = cache.load(new MemoryTree(files), 'pve1');
  expect(cache.parsed).toBe(0);
  expect(again.tree.cluster).toBe(first.tree.cluster);

  const changed = new Map(files);
  const path = [...files.keys()].find((k) => /^firewall\/\d+\.fw$/.test(k))!;
  const vmid = Number(/(\d+)/.exec(path)![1]);
  changed.set(path, `${files.get(path)!}IN DROP -p tcp -dport 4444\n`);
  const third = cache.load(new MemoryTree(changed), 'pve1');
  expect(cache.parsed).toBe(1);
  expect(third).toEqual(loadTree(new MemoryTree(changed), 'pve1'));
  expect(third.tree.guestFw.get(vmid)).not.toBe(first.tree.guestFw.get(vmid));
  expect(third.tree.cluster).toBe(first.tree.cluster);
  expect(third.tree.guests).toEqual(first.tree.guests);
  expect(third.tree.guests[0]).toBe(first.tree.guests[0]);
});
