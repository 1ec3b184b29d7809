/**
 * pve-firewall's simulator zones (`host`, `outside`, `nfvm`, `vm<ID>`, `vm<ID>i<N>`, `ct<ID>`,
 * `<bridge>/<port>`) → the hooks a packet passes in this dataplane, with the interface names
 * each hook sees. See /work/notes/dataplane.md for the shape.
 */
import type { Policy } from '../model/policy.js';
import { SimError } from './simulate.js';
import type { HookStep } from './sim-packet.js';

export type Zone =
  | { kind: 'host' }
  | { kind: 'port'; bridge: string; port: string; mac?: string; vmid?: number };

const NFVM_PORT = 'tapXYZ';

export function parseZone(policy: Policy, text: string): Zone {
  if (text === 'host') return { kind: 'host' };
  if (text === 'outside') return { kind: 'port', bridge: 'vmbr0', port: 'eth0' };
  if (text === 'nfvm') return { kind: 'port', bridge: 'vmbr0', port: NFVM_PORT };
  const g = /^(vm|ct)(\d+)(?:i(\d+))?$/.exec(text);
  if (g) {
    const vmid = Number(g[2]);
    const guest = policy.guests.find((x) => x.vmid === vmid && x.type === (g[1] === 'vm' ? 'qemu' : 'lxc'));
    const nic = guest?.nics.find((n) => n.index === Number(g[3] ?? 0));
    if (!nic?.bridge) throw new SimError('bad-zone', `zone ${text}: no such guest NIC on a bridge`);
    const z: Zone = { kind: 'port', bridge: nic.bridge, port: nic.iface, vmid };
    if (nic.mac) z.mac = nic.mac;
    return z;
  }
  const bp = /^([a-zA-Z][a-zA-Z0-9]{0,9})\/(\S+)$/.exec(text);
  if (bp) return { kind: 'port', bridge: bp[1]!, port: bp[2]! };
  throw new SimError('bad-zone', `unknown zone '${text}'`);
}

/** The hooks from `from` to `to`, in the order the kernel runs them. */
export function zonePath(from: Zone, to: Zone): HookStep[] {
  if (from.kind === 'host' && to.kind === 'host') throw new SimError('bad-zone', 'from and to are both host');
  if (from.kind === 'host') {
    const dst = to as Extract<Zone, { kind: 'port' }>;
    return [
      { family: 'inet', hook: 'output', oifname: dst.bridge },
      { family: 'bridge', hook: 'output', oifname: dst.port },
    ];
  }
  const ingress: HookStep[] = [
    { family: 'bridge', hook: 'prerouting', iifname: from.port },
    { family: 'inet', hook: 'prerouting', iifname: from.bridge },
  ];
  if (to.kind === 'host') {
    return [...ingress, { family: 'bridge', hook: 'input', iifname: from.port }, { family: 'inet', hook: 'input', iifname: from.bridge }];
  }
  if (to.bridge === from.bridge) {
    return [
      ...ingress,
      { family: 'bridge', hook: 'forward', iifname: from.port, oifname: to.port },
      { family: 'inet', hook: 'forward', iifname: from.bridge, oifname: to.bridge },
    ];
  }
  // another bridge: routed by the host, leaves the target bridge as locally sent
  return [
    ...ingress,
    { family: 'inet', hook: 'forward', iifname: from.bridge, oifname: to.bridge },
    { family: 'bridge', hook: 'output', oifname: to.port },
  ];
}
