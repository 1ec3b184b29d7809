import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pinDirFor } from '../../src/daemon/kernel-counters.js';
import { Lab } from '../../src/lab/index.js';
import { fwctl, metricValue, rmrf, startDaemon, tempDir, until, writeTree, type DaemonProc } from './daemon-harness.js';

let lab: Lab;
let dir: string;
let d: DaemonProc | undefined;

beforeAll(async () => {
  lab = await Lab.create({
    prefix: 'fwtest-m',
    bridges: [{ name: 'vmbr0', ipv4: '10.20.0.1/24' }],
    guests: [{ vmid: 100, type: 'qemu', bridge: 'vmbr0', mac: 'bc:24:11:00:20:00', ipv4: '10.20.0.100/24', gateway4: '10.20.0.1' }],
  });
  dir = tempDir('metrics');
}, 60_000);

afterAll(async () => {
  await d?.stop();
  await fwctl(['stop', '--netns', lab.host]);
  await lab.dispose();
  rmrf(dir);
}, 60_000);

it('the daemon serves guest port counters for a lab guest after traffic; fwctl stop removes the eBPF pins', async () => {
  const cfg = join(dir, 'cfg');
  writeTree(cfg, {
    'firewall/cluster.fw': '[OPTIONS]\nenable: 1\n',
    'nodes/pve1/host.fw': '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p icmp\n',
    'nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:20:00,bridge=vmbr0,firewall=1\n',
    'firewall/100.fw': '[OPTIONS]\nenable: 1\npolicy_in: ACCEPT\n',
  });
  d = await startDaemon({ ns: lab.host, configDir: cfg, stateDir: join(dir, 'state'), args: ['--ebpf'] });
  await d.waitLog((l) => l.event === 'apply', 60_000);
  const pings = 5;
  for (let i = 0; i < pings; i++) expect(await lab.ping(lab.guestNs(100), '10.20.0.1')).toBe(true);
  let rx: number | undefined;
  await until(async () => {
    rx = metricValue((await d!.http('/metrics')).body, 'fwctl_guest_receive_packets_total', 'vmid="100",nic="net0",iface="tap100i0",bridge="vmbr0"');
    return (rx ?? 0) >= pings;
  }, 15_000, 'guest receive counter');
  expect(rx).toBeGreaterThanOrEqual(pings);
  expect((await d.http('/healthz')).status).toBe(200);
  // --ebpf took effect: programs and maps are pinned and nothing failed to load or attach
  expect(existsSync(pinDirFor(lab.host))).toBe(true);
  expect(d.logs.filter((l) => l.event === 'ebpf').map((l) => l.msg)).toEqual([]);
  expect((await d.http('/metrics')).body).not.toMatch(/^fwctl_ebpf_errors_total\{/m);
  await d.stop();
  d = undefined;
  const stop = await fwctl(['stop', '--netns', lab.host]);
  expect(stop.code, stop.stderr).toBe(0);
  expect(existsSync(pinDirFor(lab.host))).toBe(false);
}, 120_000);
