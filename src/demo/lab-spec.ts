import { z } from 'zod';
import type { LabGuestSpec, LabSpec } from '../lab/types.js';
import type { Policy } from '../model/policy.js';

const cidr = z.string().regex(/^[0-9a-f:.]+\/\d{1,3}$/i);
const addrs = z.object({ ipv4: cidr.optional(), ipv6: cidr.optional() });

/** The demo lab's addresses (examples/pve-lab.json); everything else comes from the policy. */
export const LabAddressesSchema = z.object({
  node: z.string(),
  hostIPv4: z.string(),
  localNetwork: z.string(),
  bridges: z.array(z.object({ name: z.string().regex(/^vmbr\d{1,4}$/), ipv4: cidr.optional(), ipv6: cidr.optional() })),
  guests: z.record(z.string().regex(/^\d+$/), addrs),
  outside: z.object({ bridge: z.string(), uplink: z.string(), ipv4: cidr.optional(), ipv6: cidr.optional() }),
});
export type LabAddresses = z.infer<typeof LabAddressesSchema>;

/** Every guest NIC on a lab bridge becomes a namespace attached by a port named like Proxmox's. */
export function labSpecFor(policy: Policy, addresses: LabAddresses, prefix: string): LabSpec {
  const bridges = new Set(addresses.bridges.map((b) => b.name));
  const guests: LabGuestSpec[] = [];
  for (const g of policy.guests) {
    const a = addresses.guests[String(g.vmid)];
    for (const nic of g.nics) {
      if (!nic.bridge || !bridges.has(nic.bridge) || nic.index !== 0 || !a) continue;
      const spec: LabGuestSpec = { vmid: g.vmid, type: g.type, nic: nic.index, bridge: nic.bridge };
      if (nic.mac) spec.mac = nic.mac.toLowerCase();
      if (a.ipv4) spec.ipv4 = a.ipv4;
      if (a.ipv6) spec.ipv6 = a.ipv6;
      guests.push(spec);
    }
  }
  const outside = { bridge: addresses.outside.bridge, uplink: addresses.outside.uplink } as NonNullable<LabSpec['outside']>;
  if (addresses.outside.ipv4) outside.ipv4 = addresses.outside.ipv4;
  if (addresses.outside.ipv6) outside.ipv6 = addresses.outside.ipv6;
  return { prefix, bridges: addresses.bridges, guests, outside };
}
