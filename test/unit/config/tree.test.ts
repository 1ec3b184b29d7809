import { describe, expect, it } from 'vitest';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree, TreeReadError, type TreeReader } from '../../../src/config/tree-reader.js';

describe('loadTree', () => {
  it('loads only this node, parses <vmid>.fw only for its guests, reports relative paths', () => {
    const tree = new MemoryTree(new Map([
      ['firewall/cluster.fw', '[OPTIONS]\nenable: 1\n'],
      ['firewall/100.fw', '[RULES]\nIN ACCEPT -dport 1\n'],
      ['firewall/999.fw', 'garbage\n'],
      ['nodes/a/host.fw', '[RULES]\nIN BAD\n'],
      ['nodes/a/qemu-server/100.conf', 'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1\n'],
      ['nodes/a/qemu-server/notes.txt', 'x'],
      ['nodes/a/lxc/100.conf', 'net0: name=eth0\n'],
      ['nodes/b/qemu-server/999.conf', 'net0: virtio=BC:24:11:00:00:09\n'],
    ]));
    const { tree: t, diagnostics } = loadTree(tree, 'a');
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`)).toEqual([
      'nodes/a/host.fw:2:4 FW_RULE_ACTION',
      'nodes/a/lxc/100.conf:1:1 GUEST_VMID_DUPLICATE',
      'firewall/100.fw:2:11 FW_PORT_NEEDS_PROTO',
    ]);
    expect(t.guests.map((g) => `${g.type}:${g.vmid}`)).toEqual(['qemu:100']);
    expect([...t.guestFw.keys()]).toEqual([100]);
    expect(t.cluster?.options.enable).toEqual({ kind: 'on' });
    expect(t.corosync).toBeUndefined();
  });

  it('an empty tree is an empty config', () => {
    const { tree, diagnostics } = loadTree(new MemoryTree(new Map()), 'a');
    expect(diagnostics).toEqual([]);
    expect(tree).toEqual({ node: 'a', guestFw: new Map(), guests: [] });
  });

  it('lets TreeReadError through', () => {
    const failing: TreeReader = {
      readFile: (p) => {
        throw new TreeReadError(p, 'EIO', 'gone');
      },
      listDir: () => undefined,
    };
    expect(() => loadTree(failing, 'a')).toThrow(TreeReadError);
  });
});
