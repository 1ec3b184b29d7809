/** A guest's NICs as kernel ports, with their anti-spoofing set. */
import type { GuestConfAst, NicAst } from '../config/ast.js';
import type { GuestNic } from './policy.js';
import { guestSetId, ipfilterName } from './sets.js';

export function portName(type: GuestConfAst['type'], vmid: number, index: number): string {
  return `${type === 'qemu' ? 'tap' : 'veth'}${vmid}i${index}`;
}

/** `setNames`: names of the guest's IP sets (explicit and implied); undefined without a .fw file. */
export function guestNics(conf: GuestConfAst, setNames: ReadonlySet<string> | undefined): GuestNic[] {
  return [...conf.nics].sort((a, b) => a.index - b.index).map((n) => nic(conf, n, setNames));
}

function nic(conf: GuestConfAst, n: NicAst, setNames: ReadonlySet<string> | undefined): GuestNic {
  const out: GuestNic = { index: n.index, iface: portName(conf.type, conf.vmid, n.index), firewall: n.firewall, linkDown: n.linkDown };
  if (n.mac !== undefined) out.mac = n.mac;
  if (n.bridge !== undefined) out.bridge = n.bridge;
  if (n.tag !== undefined) out.tag = n.tag;
  if (n.ip !== undefined) out.ip = n.ip;
  if (n.ip6 !== undefined) out.ip6 = n.ip6;
  const set = ipfilterName(n.index);
  if (n.firewall && setNames?.has(set)) out.ipfilterSetId = guestSetId(conf.vmid, set);
  return out;
}
