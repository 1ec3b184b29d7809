import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile.js';
import { loadTree } from '../../../src/config/tree.js';
import { MemoryTree } from '../../../src/config/tree-reader.js';
import { checkLockout, ingressPath, parseSshConnection } from '../../../src/daemon/lockout.js';
import { resolve } from '../../../src/model/resolve.js';

function ruleset(host: string, cluster = '[OPTIONS]\nenable: 1\n') {
  const files = new Map([['firewall/cluster.fw', cluster], ['nodes/pve1/host.fw', host]]);
  const { tree } = loadTree(new MemoryTree(files), 'pve1');
  const { policy } = resolve(tree, { node: 'pve1', hostIPv4: '10.9.0.1', localNetwork: '10.9.0.0/24', now: 0 });
  return compile(policy, { bridgeConntrack: false });
}
const session = (client: string, port = 22) => parseSshConnection(`${client} 50000 10.9.0.1 ${port}`)!;

describe('parseSshConnection', () => {
  it('reads the four fields; normalises v4-mapped and scoped addresses', () => {
    expect(parseSshConnection('10.0.0.5 51234 10.0.0.1 22')).toEqual({ clientIp: '10.0.0.5', clientPort: 51234, serverIp: '10.0.0.1', serverPort: 22 });
    expect(parseSshConnection('::ffff:10.0.0.5 1 ::ffff:10.0.0.1 2222')).toMatchObject({ clientIp: '10.0.0.5', serverIp: '10.0.0.1', serverPort: 2222 });
    expect(parseSshConnection('fe80::1%eth0 1 fd00::1 22')).toMatchObject({ clientIp: 'fe80::1', serverIp: 'fd00::1' });
  });
  it('rejects anything else', () => {
    for (const bad of [undefined, '', '10.0.0.5 1 10.0.0.1', '10.0.0.5 0 10.0.0.1 22', 'host 1 10.0.0.1 22', '10.0.0.5 1 10.0.0.1 70000']) {
      expect(parseSshConnection(bad)).toBeUndefined();
    }
  });
});

describe('checkLockout (through simulate on the compiled ruleset)', () => {
  const host = '[OPTIONS]\nenable: 1\n';
  it('a client in local_network keeps access through the management rules', () => {
    expect(checkLockout(ruleset(host), session('10.9.0.77'), { iface: 'eth0' }).cut).toBe(false);
  });
  it('a client elsewhere is cut by the default DROP policy, on a plain NIC and behind a bridge', () => {
    expect(checkLockout(ruleset(host), session('10.50.0.9'), { iface: 'eth0' })).toMatchObject({ cut: true, action: 'DROP' });
    expect(checkLockout(ruleset(host), session('10.50.0.9'), { iface: 'vmbr0', bridgePort: 'eth0' }).cut).toBe(true);
  });
  it('a host rule for the client, or the cluster policy_in ACCEPT, keeps access', () => {
    expect(checkLockout(ruleset(`${host}\n[RULES]\nIN SSH(ACCEPT) -source 10.50.0.9\n`), session('10.50.0.9'), { iface: 'eth0' }).cut).toBe(false);
    expect(checkLockout(ruleset(host, '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n'), session('10.50.0.9'), { iface: 'eth0' }).cut).toBe(false);
  });
  it('a REJECT rule for the session port cuts even a local client', () => {
    const v = checkLockout(ruleset(`${host}\n[RULES]\nIN REJECT -p tcp -dport 2222\n`), session('10.50.0.9', 2222), { iface: 'eth0' });
    expect(v).toMatchObject({ cut: true, action: 'REJECT' });
  });
  it('the firewall disabled (no tables) never cuts', () => {
    expect(checkLockout(ruleset(host, '[OPTIONS]\nenable: 0\n'), session('10.50.0.9'), { iface: 'eth0' }).cut).toBe(false);
  });
  it('the bridge path walks bridge hooks with the port name', () => {
    expect(ingressPath({ iface: 'vmbr0', bridgePort: 'eno1' }).map((s) => `${s.family}/${s.hook}/${s.iifname}`)).toEqual([
      'bridge/prerouting/eno1', 'inet/prerouting/vmbr0', 'bridge/input/eno1', 'inet/input/vmbr0',
    ]);
  });
});
