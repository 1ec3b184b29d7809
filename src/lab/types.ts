export interface LabBridgeSpec {
  name: string; // vmbrN
  ipv4?: string; // host address on the bridge, CIDR
  ipv6?: string;
}

export interface LabGuestSpec {
  vmid: number;
  type: 'qemu' | 'lxc';
  nic?: number; // default 0
  bridge: string;
  mac?: string;
  ipv4?: string; // CIDR
  ipv6?: string;
  gateway4?: string;
  gateway6?: string;
}

export interface LabOutsideSpec {
  bridge: string;
  uplink?: string; // host-side port name, default eth0
  ipv4?: string;
  ipv6?: string;
}

export interface LabSpec {
  /** Namespace name prefix (e.g. `fwtest-`); every namespace and nothing else carries it. */
  prefix: string;
  bridges: LabBridgeSpec[];
  guests: LabGuestSpec[];
  outside?: LabOutsideSpec;
}

export type TcpVerdict = 'open' | 'refused' | 'timeout' | `error:${string}`;

export interface Probe {
  proto: 'tcp' | 'udp';
  addr: string;
  port: number;
  timeoutMs?: number;
  /** Source address (must be configured in the probing namespace). */
  src?: string;
}
