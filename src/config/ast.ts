/**
 * Syntax trees of the config tree, as the parsers produce them. Values are already checked
 * syntactically (a port is a number in range, an address parses); references (aliases, IP sets,
 * groups) are resolved later by src/model, which reports unknown names at the spans kept here.
 */
import type { Span } from './diagnostics.js';
import type { ClusterOptions, GuestOptions, HostOptions } from './options.js';

export type FwKind = 'cluster' | 'host' | 'guest';
export type RuleType = 'in' | 'out' | 'forward' | 'group';
export type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';
export type IpFamily = 4 | 6;
export type LogLevel = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug' | 'nolog';

/** A literal address: a CIDR (a bare IP is a /32 or /128) or an inclusive range `a-b`. Normalised text. */
export type AddrItem =
  | { kind: 'cidr'; family: IpFamily; cidr: string }
  | { kind: 'range'; family: IpFamily; from: string; to: string };

/** Scope prefix of a reference: `dc/name`, `guest/name`, or none (guest first, then cluster). */
export type RefScope = 'dc' | 'guest' | undefined;

/** What `-source`/`-dest` can hold. Names are lower-cased. */
export type AddrSpec =
  | { kind: 'literal'; family: IpFamily; items: AddrItem[] }
  | { kind: 'alias'; scope: RefScope; name: string }
  | { kind: 'ipset'; scope: RefScope; name: string };

/** An inclusive port range; a single port has lo === hi. */
export interface PortRange {
  lo: number;
  hi: number;
}

/** An ICMP / ICMPv6 type, from `-icmp-type` or the legacy `-p icmp -dport <type>`. */
export interface IcmpTypeSpec {
  family: IpFamily;
  name: string; // as written, lower-cased (or the number as text)
  type: number;
  code?: number;
}

export interface Proto {
  name: string; // canonical lower-case name when known ('tcp'), else the number as text
  num: number;
}

export interface RuleAst {
  span: Span;
  enabled: boolean; // false for rules written `|IN ...`
  type: RuleType;
  /** Verdict; for `GROUP name` rules undefined (see `group`); for macros the macro's parameter. */
  action?: Verdict;
  group?: string; // lower-cased security group name for type 'group'
  macro?: string; // canonical macro name (as in macros.tsv) when the action was `Macro(ACTION)`
  iface?: string; // `-i`: netN on guests, an interface name on host/cluster
  proto?: Proto;
  dport?: PortRange[];
  sport?: PortRange[];
  icmpType?: IcmpTypeSpec;
  source?: AddrSpec;
  dest?: AddrSpec;
  log?: LogLevel;
  comment?: string;
  /** Where each option started, for diagnostics reported during resolution. */
  spans: Partial<Record<'action' | 'iface' | 'proto' | 'dport' | 'sport' | 'icmpType' | 'source' | 'dest' | 'log', Span>>;
}

export interface AliasAst {
  span: Span;
  name: string; // lower-cased
  value: AddrItem & { kind: 'cidr' };
  comment?: string;
}

export interface IpSetEntryAst {
  span: Span;
  nomatch: boolean;
  /** A literal CIDR, or a reference to an alias (IP sets may name aliases). */
  value: AddrItem | { kind: 'alias'; scope: RefScope; name: string };
  comment?: string;
}

export interface IpSetAst {
  span: Span;
  name: string; // lower-cased
  comment?: string;
  entries: IpSetEntryAst[];
}

export interface GroupAst {
  span: Span;
  name: string; // lower-cased
  comment?: string;
  rules: RuleAst[];
}

interface FwFileBase {
  file: string; // path as found in the tree, e.g. 'firewall/cluster.fw'
  aliases: AliasAst[];
  ipsets: IpSetAst[];
  rules: RuleAst[];
  groups: GroupAst[];
  /** Span of each option key that was set, for diagnostics raised by resolution. */
  optionSpans: Record<string, Span>;
}

export interface ClusterFw extends FwFileBase {
  kind: 'cluster';
  options: Partial<ClusterOptions>;
}
export interface HostFw extends FwFileBase {
  kind: 'host';
  options: Partial<HostOptions>;
}
export interface GuestFw extends FwFileBase {
  kind: 'guest';
  vmid: number;
  options: Partial<GuestOptions>;
}
export type FwFile = ClusterFw | HostFw | GuestFw;

/** One `netN:` line of a guest config. */
export interface NicAst {
  span: Span;
  index: number; // N of netN
  model?: string; // qemu NIC model (e1000, virtio, ...)
  name?: string; // lxc interface name inside the container (eth0)
  mac?: string; // upper-case colon form
  bridge?: string;
  firewall: boolean;
  tag?: number;
  trunks?: number[];
  linkDown: boolean;
  ip?: string; // lxc: CIDR, 'dhcp' or 'manual'
  ip6?: string; // lxc: CIDR, 'dhcp', 'auto' or 'manual'
  gw?: string;
  gw6?: string;
}

export interface GuestConfAst {
  file: string;
  vmid: number;
  type: 'qemu' | 'lxc';
  node: string;
  name?: string; // qemu `name:` / lxc `hostname:`
  nics: NicAst[];
}

export interface CorosyncNode {
  name: string;
  nodeid?: number;
  /** ring number → address text as written (may be a host name; those are ignored for rules). */
  rings: Record<number, string>;
}

export interface CorosyncAst {
  file: string;
  nodes: CorosyncNode[];
  transport?: string; // totem.transport (knet, udp, udpu)
  ipVersion?: string; // totem.ip_version
  clusterName?: string;
}

/** Everything parsed from one config tree for one node. */
export interface ConfigTree {
  node: string;
  cluster?: ClusterFw;
  host?: HostFw;
  guestFw: Map<number, GuestFw>;
  guests: GuestConfAst[]; // of this node, sorted by vmid
  corosync?: CorosyncAst;
}
