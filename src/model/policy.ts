/**
 * The resolved policy: what src/model produces from a ConfigTree and host facts, and the only
 * input of the compiler. Every reference is resolved, every macro expanded, every default applied.
 */
import type { AddrItem, IcmpTypeSpec, IpFamily, LogLevel, PortRange, Verdict } from '../config/ast.js';
import type { Span } from '../config/diagnostics.js';
import type { ClusterOptions, GuestOptions, HostOptions } from '../config/options.js';

/** Facts about the host, passed in so that resolution and compilation stay pure. */
export interface HostFacts {
  node: string;
  hostIPv4?: string; // the node's address (pve: resolved from its host name)
  hostIPv6?: string;
  /** local_network: the network of the host address; overridable by the cluster alias. */
  localNetwork?: string;
  /** Unix time in seconds, for `enable: <timestamp>`. */
  now: number;
}

export interface SetEntry {
  item: AddrItem;
  nomatch: boolean;
  comment?: string;
}

/**
 * An IP set as the compiler sees it. `id` is unique in the policy:
 * `dc/<name>` for cluster sets (including `dc/management`, `dc/blacklist`),
 * `guest/<vmid>/<name>` for guest sets (including `guest/<vmid>/ipfilter-net<N>`).
 */
export interface IpSet {
  id: string;
  scope: 'dc' | 'guest';
  vmid?: number;
  name: string;
  comment?: string;
  entries: SetEntry[]; // v4 and v6 mixed; the compiler splits them by family
  span?: Span;
}

export type AddrMatch =
  | { kind: 'literal'; family: IpFamily; items: AddrItem[] }
  | { kind: 'set'; setId: string };

/** One enabled rule after macro expansion (a macro rule yields several with the same `pos`). */
export interface PolicyRule {
  /** Index of the source line among its list's rules (0-based), stable for counters. */
  pos: number;
  span: Span;
  direction: 'in' | 'out' | 'forward';
  /** A verdict, or a jump into a security group. */
  action: { kind: 'verdict'; verdict: Verdict } | { kind: 'group'; group: string };
  iface?: string;
  /** Restricts the rule to one family (from addresses, ICMP type or a v4/v6-only macro). */
  family?: IpFamily;
  proto?: number; // IP protocol number
  dport?: PortRange[];
  sport?: PortRange[];
  icmpType?: IcmpTypeSpec;
  source?: AddrMatch;
  dest?: AddrMatch;
  log: LogLevel;
  comment?: string;
  macro?: string;
}

export interface SecurityGroup {
  name: string;
  comment?: string;
  rules: PolicyRule[];
}

export interface GuestNic {
  index: number;
  /** Kernel port name: `tap<vmid>i<N>` for qemu, `veth<vmid>i<N>` for lxc. */
  iface: string;
  mac?: string;
  bridge?: string;
  firewall: boolean;
  tag?: number;
  linkDown: boolean;
  ip?: string; // lxc static address (CIDR text)
  ip6?: string;
  /** Anti-spoofing set for this NIC (explicit `ipfilter-netN`, or implied by `ipfilter: 1`). */
  ipfilterSetId?: string;
}

export interface Guest {
  vmid: number;
  type: 'qemu' | 'lxc';
  /** true when `<vmid>.fw` exists and says `enable: 1`: only then are its NICs filtered. */
  enabled: boolean;
  options: GuestOptions;
  /**
   * `layer2_protocols` as ethertypes (sorted, unique): the only frame types the guest may send.
   * Absent when the option is unset or names an unknown type (pve-firewall then ignores it).
   */
  ethertypes?: number[];
  nics: GuestNic[];
  rules: PolicyRule[];
}

export interface CorosyncPeer {
  node: string;
  ring: number;
  addr: string; // IP literal
  local: boolean;
}

export interface Policy {
  node: string;
  /** Cluster firewall on (after the `enable: <timestamp>` rule). Off means: no filtering at all. */
  enabled: boolean;
  cluster: ClusterOptions;
  host: { enabled: boolean; options: HostOptions; rules: PolicyRule[] }; // host.fw rules, then cluster.fw rules
  sets: IpSet[]; // sorted by id
  groups: SecurityGroup[]; // sorted by name
  guests: Guest[]; // sorted by vmid; every guest of the node, firewalled or not
  corosync: { transport?: string; peers: CorosyncPeer[] };
  hostIPv4?: string;
  hostIPv6?: string;
  localNetwork?: string;
}
