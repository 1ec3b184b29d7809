import { expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile.js';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { blacklistPrefixes, counterFacts, firewalledPorts } from '../../../src/kernel/ruleset-facts.js';
import { indexCounters, unpackIndex } from '../../../src/metrics/rules-index.js';
import { resolve } from '../../../src/model/resolve.js';
import { syntheticTree } from '../../../bench/synthetic.js';

it('carries exactly what the kernel counters read (rule index, firewalled ports, blacklist) as plain strings', () => {
  const files = syntheticTree({ guests: 12, rules: 4 });
  const cluster = files.get('firewall/cluster.fw')!;
  files.set('firewall/cluster.fw', `${cluster}\n[IPSET blacklist]\n10.66.0.0/16\n192.0.2.7\n`);
  const { tree } = loadTree(new MemoryTree(files), 'pve1');
  const rs = compile(resolve(tree, { node: 'pve1', hostIPv4: '10.10.10.11', localNetwork: '10.10.10.0/24', now: 0 }).policy, { bridgeConntrack: false });
  const facts = counterFacts(rs);
  const index = indexCounters(rs);
  expect(index.size).toBeGreaterThan(12 * 4);
  expect(unpackIndex(facts.index)).toEqual(index);
  expect([...index.values()].some((k) => k.nic !== undefined)).toBe(true); // per-NIC keys survive the packing
  expect(facts.ports).toEqual(firewalledPorts(rs));
  expect(facts.ports.length).toBeGreaterThan(0);
  expect(facts.blacklist).toEqual(blacklistPrefixes(rs));
  expect(facts.blacklist).toContain('10.66.0.0/16');
  expect(facts.index.every((x) => typeof x === 'string')).toBe(true);
  expect(JSON.stringify(facts).length).toBeLessThan(JSON.stringify(rs).length / 4);
});

it('returns the previous facts object when no chain, port or blacklist entry changed (the daemon then sends nothing)', async () => {
  const { createCompiler } = await import('../../../src/compiler/incremental.js');
  const files = syntheticTree({ guests: 6, rules: 3 });
  const cluster = files.get('firewall/cluster.fw')!;
  const inc = createCompiler();
  const build = (extra: string, blacklist: string) => {
    files.set('firewall/cluster.fw', `${cluster}\n[IPSET elsewhere]\n${extra}\n\n[IPSET blacklist]\n${blacklist}\n`);
    const { tree } = loadTree(new MemoryTree(files), 'pve1');
    return inc.compile(resolve(tree, { node: 'pve1', hostIPv4: '10.10.10.11', localNetwork: '10.10.10.0/24', now: 0 }).policy, { bridgeConntrack: false });
  };
  const a = counterFacts(build('10.1.0.1', '10.66.0.0/16'));
  expect(counterFacts(build('10.1.0.2', '10.66.0.0/16'), a)).toBe(a); // an element of another set
  const b = counterFacts(build('10.1.0.2', '10.67.0.0/16'), a);
  expect(b).not.toBe(a);
  expect(b.blacklist).toEqual(['10.67.0.0/16']);
  expect(b.index).toBe(a.index); // an equal index is the previous array
  files.set('firewall/1001.fw', `${files.get('firewall/1001.fw')}IN DROP -p tcp -dport 4444\n`);
  const c = counterFacts(build('10.1.0.2', '10.67.0.0/16'), b);
  expect(c.index).not.toBe(b.index);
  expect(unpackIndex(c.index).size).toBe(unpackIndex(b.index).size + 1);
});
