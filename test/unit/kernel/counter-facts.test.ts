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
