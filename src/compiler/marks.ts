/**
 * The packet mark layout shared by the bridge and inet tables (see /work/notes/dataplane.md),
 * and the stable port ids of guest NICs.
 */
import { fnv1a32 } from './names.js';

export const PORT_BITS = 15;
export const INGRESS_MASK = (1 << PORT_BITS) - 1; // 0x00007fff
export const EGRESS_SHIFT = PORT_BITS;
export const EGRESS_MASK = INGRESS_MASK * 2 ** EGRESS_SHIFT; // 0x3fff8000
/** Host output / forward saw ct state established,related: bridge output accepts. */
export const EST_BIT = 0x40000000;
/** Security group said ACCEPT (pve's FWACCEPTMARK 0x80000000). */
export const ACCEPT_BIT = 0x80000000;
export const ALL_BITS = 0xffffffff;

const NATURAL_MIN_VMID = 100;
const NICS_PER_VMID = 8;
const FALLBACK_IDS = NATURAL_MIN_VMID * NICS_PER_VMID - 1; // ids 1..799

export function egressValue(id: number): number {
  return id * 2 ** EGRESS_SHIFT;
}

function naturalId(vmid: number, nic: number): number | undefined {
  const id = vmid * NICS_PER_VMID + nic;
  return vmid >= NATURAL_MIN_VMID && nic < NICS_PER_VMID && id <= INGRESS_MASK ? id : undefined;
}

/**
 * Port id per NIC key `<vmid>i<nic>`. Natural ids (vmid*8+nic) never move; the rest get a hashed
 * id in 1..799 with linear probing, in (vmid, nic) order.
 */
export function assignPortIds(ports: { vmid: number; nic: number }[]): Map<string, number> {
  const ids = new Map<string, number>();
  const used = new Set<number>();
  const rest: { vmid: number; nic: number }[] = [];
  for (const p of ports) {
    const id = naturalId(p.vmid, p.nic);
    if (id === undefined) rest.push(p);
    else {
      ids.set(portKey(p.vmid, p.nic), id);
      used.add(id);
    }
  }
  rest.sort((a, b) => a.vmid - b.vmid || a.nic - b.nic);
  for (const p of rest) {
    let id = (fnv1a32(portKey(p.vmid, p.nic)) % FALLBACK_IDS) + 1;
    for (let tries = 0; used.has(id) && tries < FALLBACK_IDS; tries++) id = (id % FALLBACK_IDS) + 1;
    if (used.has(id)) throw new RangeError(`no free port id for ${portKey(p.vmid, p.nic)}`);
    ids.set(portKey(p.vmid, p.nic), id);
    used.add(id);
  }
  return ids;
}

export function portKey(vmid: number, nic: number): string {
  return `${vmid}i${nic}`;
}
