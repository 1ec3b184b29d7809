import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftApplier } from '../../src/apply/index.js';
import { createCompiler } from '../../src/compiler/incremental.js';
import type { Ruleset } from '../../src/compiler/ruleset.js';
import { loadTree } from '../../src/config/tree.js';
import { MemoryTree } from '../../src/config/tree-reader.js';
import { FsTree } from '../../src/host/fs-tree.js';
import { removeSync, sweep, track, untrack } from '../../src/lab/cleanup.js';
import { resolve } from '../../src/model/resolve.js';

const RAW = 'fwtest-r-raw';
const NFT = 'fwtest-r-nft';
const FACTS = { node: 'pve1', hostIPv4: '10.10.10.11', hostIPv6: 'fd00:10::11', localNetwork: '10.10.10.0/24', now: 1_700_000_000 };

const base = (() => {
  const fs = new FsTree(join(import.meta.dirname, '../../examples/pve'));
  const files = new Map<string, string>();
  for (const p of ['firewall/cluster.fw', 'nodes/pve1/host.fw', 'firewall/100.fw', 'firewall/101.fw', 'firewall/200.fw', 'firewall/201.fw', 'nodes/pve1/qemu-server/100.conf', 'nodes/pve1/qemu-server/101.conf', 'nodes/pve1/qemu-server/102.conf', 'nodes/pve1/lxc/200.conf', 'nodes/pve1/lxc/201.conf']) {
    const t = fs.readFile(p);
    if (t !== undefined) files.set(p, t);
  }
  return files;
})();

/** The example tree with `entries` as the cluster blacklist set. */
function ruleset(compiler: ReturnType<typeof createCompiler>, entries: string[]): Ruleset {
  const files = new Map(base);
  files.set('firewall/cluster.fw', files.get('firewall/cluster.fw')!.replace(/(\[IPSET blacklist\][^\n]*\n)[^[]*/, (_m, head: string) => `${head}${entries.join('\n')}\n\n`));
  const { tree } = loadTree(new MemoryTree(files), 'pve1');
  return compiler.compile(resolve(tree, FACTS).policy, { bridgeConntrack: false });
}

const listSets = (ns: string): unknown =>
  (JSON.parse(execFileSync('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'sets'], { encoding: 'utf8' })) as { nftables: Record<string, { handle?: number }>[] }).nftables
    .filter((o) => 'set' in o)
    .map((o) => ({ ...o.set, handle: undefined }));

const nft = (ns: string, cmd: string) => execFileSync('ip', ['netns', 'exec', ns, 'nft', cmd]);

describe('IP set element changes as a raw nf_tables batch', () => {
  beforeAll(() => {
    sweep('fwtest-r-');
    for (const ns of [RAW, NFT]) {
      execFileSync('ip', ['netns', 'add', ns]);
      track(ns);
    }
  });
  afterAll(() => {
    for (const ns of [RAW, NFT]) {
      removeSync(ns);
      untrack(ns);
    }
  });

  it('leaves the kernel exactly as nft does, over adds, deletes, prefixes, adjacent intervals and IPv6', async () => {
    const raw = new NftApplier({ netns: RAW, nft: 'lib' });
    const ref = new NftApplier({ netns: NFT, nft: 'lib', rawElements: false });
    const [cr, cn] = [createCompiler(), createCompiler()];
    // (every step keeps a prefix in both families: a set of single addresses only is a hash set,
    // and a set changing kind is a full apply, not an element change)
    const steps = [
      ['10.66.6.0/24', '10.66.7.7', 'fd00:666::/48'],
      ['10.66.6.0/24', '10.66.7.7', '10.66.9.9', '10.67.0.0/16', 'fd00:666::/48', 'fd00:777::1'],
      ['10.66.6.0/24', '10.66.9.9', '10.67.0.0/16', 'fd00:777::/64'], // deletes and adds, both families
      ['10.66.6.0/24', '10.66.7.0/24', '10.66.9.9', '10.67.0.0/16', 'fd00:777::/64', 'fd00:777:0:1::/64'], // adjacent intervals
      ['10.66.7.0/24', '10.66.9.8/31', '10.67.0.0/16', '10.68.0.0/16', 'fd00:888::/64'],
    ];    for (const [i, entries] of steps.entries()) {
      const rs = ruleset(cr, entries);
      const a = await raw.apply(rs);
      await ref.apply(ruleset(cn, entries));
      if (i > 0) expect(a, `step ${i}`).toMatchObject({ mode: 'incremental', input: 'netlink' });
      expect(listSets(RAW), `step ${i}`).toEqual(listSets(NFT));
    }
    const probe = (ns: string, addr: string) => {
      try {
        execFileSync('ip', ['netns', 'exec', ns, 'nft', 'get', 'element', 'inet', 'fwctl', 'dc-blacklist-v4', `{ ${addr} }`], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    };
    await raw.apply(ruleset(cr, ['10.66.9.9']));
    expect(probe(RAW, '10.66.9.9')).toBe(true);
    expect(probe(RAW, '10.66.7.7')).toBe(false);
  });

  it('single addresses (a hash set) too', async () => {
    const raw = new NftApplier({ netns: RAW, nft: 'lib' });
    const ref = new NftApplier({ netns: NFT, nft: 'lib', rawElements: false });
    const [cr, cn] = [createCompiler(), createCompiler()];
    // (not adjacent: the compiler merges neighbours into ranges, which makes an interval set)
    const steps = [['10.66.1.1', 'fd00:1::1'], ['10.66.1.1', '10.66.5.2', '10.66.9.3', 'fd00:1::5'], ['10.66.9.3', 'fd00:1::5', 'fd00:1::9']];
    for (const [i, entries] of steps.entries()) {
      const a = await raw.apply(ruleset(cr, entries), { full: i === 0 });
      await ref.apply(ruleset(cn, entries), { full: i === 0 });
      if (i > 0) expect(a, `step ${i}`).toMatchObject({ mode: 'incremental', input: 'netlink' });
      expect(listSets(RAW), `step ${i}`).toEqual(listSets(NFT));
    }
    expect(JSON.stringify(listSets(RAW))).toContain('fd00:1::9');
  });

  it('a batch the kernel refuses changes nothing, and the change still lands through nft', async () => {
    const a = new NftApplier({ netns: RAW, nft: 'lib' });
    const c = createCompiler();
    await a.apply(ruleset(c, ['10.66.1.1', '10.66.2.0/24']), { full: true });
    nft(RAW, 'delete element inet fwctl dc-blacklist-v4 { 10.66.1.1 }'); // behind fwctl's back
    const r = await a.apply(ruleset(c, ['10.66.2.0/24', '10.66.3.3'])); // deletes 10.66.1.1 again: ENOENT
    expect(r.input).not.toBe('netlink');
    const sets = JSON.stringify(listSets(RAW));
    expect(sets).toContain('10.66.3.3');
    expect(sets).not.toContain('10.66.1.1');
  });
});
