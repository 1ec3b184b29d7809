import { describe, expect, it } from 'vitest';
import { parseGuestConf } from '../../../src/config/guest-conf.js';

const F = 'nodes/n1/qemu-server/100.conf';

describe('parseGuestConf', () => {
  it('parses qemu NICs (model=MAC shorthand and macaddr=), name, sorted by index', () => {
    const text = [
      'boot: order=scsi0',
      'name: web1',
      'net1: model=virtio,macaddr=bc:24:11:00:00:02,bridge=vmbr1,link_down=1,trunks=10;20-22',
      'net0: virtio=BC:24:11:AA:BB:CC,bridge=vmbr0,firewall=1,tag=100',
      'scsi0: local-lvm:vm-100-disk-0,size=32G',
    ].join('\n');
    const { ast, diagnostics } = parseGuestConf(text, F, 100, 'qemu', 'n1');
    expect(diagnostics).toEqual([]);
    expect(ast).toMatchObject({ file: F, vmid: 100, type: 'qemu', node: 'n1', name: 'web1' });
    expect(ast.nics).toEqual([
      { span: { file: F, line: 4, col: 1 }, index: 0, model: 'virtio', mac: 'BC:24:11:AA:BB:CC', bridge: 'vmbr0', firewall: true, tag: 100, linkDown: false },
      { span: { file: F, line: 3, col: 1 }, index: 1, model: 'virtio', mac: 'BC:24:11:00:00:02', bridge: 'vmbr1', firewall: false, linkDown: true, trunks: [10, 20, 21, 22] },
    ]);
  });

  it('parses lxc NICs and hostname', () => {
    const text = 'hostname: ct1\nnet0: name=eth0,bridge=vmbr0,firewall=1,gw=10.0.0.1,hwaddr=0e:18:24:41:2c:43,ip=10.0.0.5/24,ip6=auto,type=veth\n';
    const { ast, diagnostics } = parseGuestConf(text, 'nodes/n1/lxc/200.conf', 200, 'lxc', 'n1');
    expect(diagnostics).toEqual([]);
    expect(ast.name).toBe('ct1');
    expect(ast.nics[0]).toMatchObject({ index: 0, name: 'eth0', mac: '0E:18:24:41:2C:43', bridge: 'vmbr0', firewall: true, ip: '10.0.0.5/24', ip6: 'auto', gw: '10.0.0.1' });
  });

  it('stops at the first snapshot section', () => {
    const text = 'net0: e1000=0E:0B:38:B8:B3:21,bridge=vmbr0\n\n[snap1]\nnet1: e1000=0E:0B:38:B8:B3:22,bridge=vmbr1\nname: old\n';
    const { ast } = parseGuestConf(text, F, 100, 'qemu', 'n1');
    expect(ast.nics.map((n) => n.index)).toEqual([0]);
    expect(ast.name).toBeUndefined();
  });

  it('warns about malformed NIC properties at their column and leaves them out', () => {
    const { ast, diagnostics } = parseGuestConf('net0: virtio=ZZ:24,bridge=vmbr0,tag=5000\n', F, 100, 'qemu', 'n1');
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.severity}`)).toEqual(['1:7 GUEST_NET_INVALID warning', '1:33 GUEST_NET_INVALID warning']);
    expect(ast.nics[0]).toMatchObject({ model: 'virtio', bridge: 'vmbr0' });
    expect(ast.nics[0]?.mac).toBeUndefined();
    expect(ast.nics[0]?.tag).toBeUndefined();
  });

  it('ignores unknown keys and descriptions', () => {
    const { ast, diagnostics } = parseGuestConf('#net0: e1000=0E:0B:38:B8:B3:21\nfoo: bar\nnetwork: x\n', F, 100, 'qemu', 'n1');
    expect(diagnostics).toEqual([]);
    expect(ast.nics).toEqual([]);
  });
});
