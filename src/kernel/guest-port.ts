/** Proxmox guest port names: `tap<vmid>i<nic>` (QEMU) and `veth<vmid>i<nic>` (LXC). */
export interface GuestPort {
  vmid: number;
  nic: number;
  kind: 'tap' | 'veth';
}

const PORT = /^(tap|veth)([1-9][0-9]{0,8})i([0-9]{1,2})$/;

export function parseGuestPort(iface: string): GuestPort | undefined {
  const m = PORT.exec(iface);
  if (!m) return undefined;
  return { kind: m[1] as GuestPort['kind'], vmid: Number(m[2]), nic: Number(m[3]) };
}
