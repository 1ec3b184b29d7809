import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import { conformanceFolders, conformanceTree } from '../../fixtures/pve-tree.js';

/** The deliberate errors of the upstream error scenarios: file, line, col, code. */
const EXPECTED: Record<string, string[]> = {
  'test-errors1': ['firewall/100.fw:8:11 FW_PORT_NEEDS_PROTO'],
  'test-errors2': ['firewall/100.fw:7:38 FW_PORT_NEEDS_PROTO', 'firewall/100.fw:8:39 FW_PORT_NEEDS_PROTO'],
  'test-errors3': ['nodes/proxself/host.fw:4:11 FW_PORT_NEEDS_PROTO'],
  'test-errors4': ['firewall/100.fw:3:1 FW_OPTION_UNKNOWN'],
};

describe('conformance folders as PVE trees', () => {
  it('finds all 13 scenario folders', () => {
    expect(conformanceFolders()).toHaveLength(13);
  });

  for (const folder of conformanceFolders()) {
    it(`${folder} loads with exactly the deliberate diagnostics`, () => {
      const { tree, diagnostics } = loadTree(conformanceTree(folder), 'proxself');
      expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`)).toEqual(EXPECTED[folder] ?? []);
      expect(tree.cluster?.kind).toBe('cluster');
      expect(tree.guests.map((g) => `${g.type}:${g.vmid}`)).toEqual(['qemu:100', 'qemu:101', 'qemu:110', 'lxc:200', 'lxc:201']);
      expect(tree.corosync?.nodes.map((n) => n.name)).toEqual(['prox1', 'prox2', 'prox3', 'proxself']);
    });
  }

  it('keeps the good rules next to the bad ones (test-errors1)', () => {
    const { tree } = loadTree(conformanceTree('test-errors1'), 'proxself');
    const rules = tree.guestFw.get(100)?.rules ?? [];
    expect(rules).toHaveLength(1);
    expect(rules[0]).toMatchObject({ type: 'in', action: 'ACCEPT', proto: { name: 'tcp', num: 6 }, dport: [{ lo: 82, hi: 82 }] });
    expect(tree.guestFw.get(100)?.options.enable).toBe(true);
  });

  it('skips only the unknown option (test-errors4)', () => {
    const { tree } = loadTree(conformanceTree('test-errors4'), 'proxself');
    const fw = tree.guestFw.get(100);
    expect(fw?.options).toEqual({ enable: true });
    expect(fw?.optionSpans.enable).toEqual({ file: 'firewall/100.fw', line: 5, col: 1 });
    expect(fw?.rules).toHaveLength(1);
  });

  it('renames proxself to the local node and places host.fw under it', () => {
    const { tree, diagnostics } = loadTree(conformanceTree('test-basic1', 'pve1'), 'pve1');
    expect(diagnostics).toEqual([]);
    expect(tree.host?.file).toBe('nodes/pve1/host.fw');
    expect(tree.host?.rules).toHaveLength(4);
    expect(tree.corosync?.nodes.find((n) => n.name === 'pve1')?.rings).toEqual({ 0: '172.16.1.2', 1: '172.16.2.2', 2: 'proxself' });
    expect(tree.guests.find((g) => g.vmid === 200)?.nics[0]).toMatchObject({ mac: '0E:18:24:41:2C:43', bridge: 'vmbr0', firewall: true, ip: '10.0.200.1/24', name: 'eth0' });
  });

  it('parses the conformance ipsets and groups', () => {
    const ipset = loadTree(conformanceTree('test-ipset1'), 'proxself').tree.cluster;
    expect(ipset?.ipsets.map((s) => `${s.name}:${s.entries.length}`)).toEqual(['management:1', 'myipset:5', 'dmzhosts:2', 'blacklist:2']);
    expect(ipset?.ipsets[1]?.entries[3]?.value).toEqual({ kind: 'alias', scope: undefined, name: 'mynetworkalias' });
    const group = loadTree(conformanceTree('test-group1'), 'proxself').tree;
    expect(group.cluster?.groups.map((g) => `${g.name}:${g.rules.length}`)).toEqual(['group1:4', 'group2:1', 'group3:1']);
    expect(group.guestFw.get(100)?.rules.at(-1)).toMatchObject({ type: 'group', group: 'group2', iface: 'net0' });
    const v2 = loadTree(conformanceTree('test-ipset2'), 'proxself').tree.guestFw.get(100);
    expect(v2?.rules[0]?.dest).toEqual({ kind: 'ipset', scope: undefined, name: 'a-longer-name-which-translates-into-fnv-digest' });
    const f1 = loadTree(conformanceTree('test-vm-ipfilter1'), 'proxself').tree.guestFw.get(100);
    expect(f1?.ipsets.map((s) => [s.name, s.entries.length, s.comment])).toEqual([['ipfilter-net0', 2, undefined], ['ipfilter-net2', 0, 'empty, allow nothing']]);
  });
});
