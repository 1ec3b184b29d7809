/**
 * The Ruleset: typed data that describes fwctl's tables. It is shaped after nft's JSON schema
 * (libnftables-json(5)) so that rendering for nft is mechanical, and it is what `simulate`
 * walks, so simulation and kernel read the same thing. Backends other than nft (iptables) render
 * the subset they support and refuse the rest with a typed error.
 *
 * Every name in here (tables, chains, sets, maps, counters) comes from src/compiler/names.ts.
 * Comments are data and are sanitised by the renderer; they never reach rule text unescaped.
 */

export type Family = 'inet' | 'ip' | 'ip6' | 'bridge' | 'netdev';
export type Hook = 'prerouting' | 'input' | 'forward' | 'output' | 'postrouting' | 'ingress';
export type ChainType = 'filter' | 'nat' | 'route';

export interface BaseChainSpec {
  type: ChainType;
  hook: Hook;
  priority: number;
  policy: 'accept' | 'drop';
  device?: string; // netdev ingress only
}

export interface Chain {
  name: string;
  base?: BaseChainSpec;
  rules: Rule[];
  comment?: string;
  /**
   * The unit of incremental update this chain belongs to: 'core' for the skeleton,
   * `guest/<vmid>` for a guest's chains, `group/<name>` for a security group's chains.
   * Apply replaces a whole owner's chains when any of them changes.
   */
  owner: string;
}

/** nft set element types used by fwctl. */
export type SetType = 'ipv4_addr' | 'ipv6_addr' | 'ifname' | 'ether_addr' | 'inet_service' | 'mark' | 'inet_proto';

/** A set element: a scalar, an inclusive range, or a prefix. */
export type Elem =
  | string
  | number
  | { range: [string | number, string | number] }
  | { prefix: { addr: string; len: number } };

export interface NamedSet {
  name: string;
  type: SetType;
  flags: ('interval' | 'constant' | 'timeout' | 'dynamic')[];
  elements: Elem[];
  /** Element timeout in seconds (dynamic sets, e.g. the synflood meter). */
  timeout?: number;
  size?: number;
  comment?: string;
  owner: string;
  /** The policy IP set this implements (`dc/management`), for incremental updates and metrics. */
  source?: string;
}

/** A map: `vmap` maps keys to verdicts; `data` maps keys to a value of `dataType`. */
export interface NamedMap {
  name: string;
  type: SetType;
  kind: 'vmap' | 'data';
  dataType?: 'mark';
  flags: ('interval' | 'constant')[];
  entries: { key: Elem; value: Verdict | number }[];
  comment?: string;
  owner: string;
}

/** Named counters let per-rule counters be read by name (metrics issue). */
export interface NamedCounter {
  name: string;
  comment?: string;
  owner: string;
}

/** A conntrack helper object (`ct helper "name" { type "ftp" protocol tcp; }`). */
export interface CtHelper {
  name: string;
  type: string;
  protocol: 'tcp' | 'udp';
  owner: string;
}

export interface Table {
  family: Family;
  name: string;
  chains: Chain[];
  sets: NamedSet[];
  maps: NamedMap[];
  counters: NamedCounter[];
  ctHelpers?: CtHelper[];
}

export interface Ruleset {
  tables: Table[];
}

// ---------------------------------------------------------------- expressions

export type MetaKey =
  | 'iifname'
  | 'oifname'
  | 'iif'
  | 'oif'
  | 'mark'
  | 'l4proto'
  | 'nfproto'
  | 'pkttype'
  | 'protocol'
  | 'ibrname'
  | 'obrname';

export type PayloadProto = 'ether' | 'ip' | 'ip6' | 'tcp' | 'udp' | 'th' | 'icmp' | 'icmpv6' | 'arp' | 'vlan';

export type Expr =
  | { meta: { key: MetaKey } }
  | { payload: { protocol: PayloadProto; field: string } }
  | { ct: { key: 'state' | 'mark' | 'helper' | 'status' } }
  | { fib: { result: 'type' | 'oif'; flags: ('saddr' | 'daddr' | 'iif' | 'oif')[] } }
  | { '&': [Expr, number] }
  | { '|': [Expr, number] }
  | { '>>': [Expr, number] }
  | { '<<': [Expr, number] };

/** Right-hand sides of a match. A `set` is an anonymous set; `@name` refs use `ref`. */
export type Value =
  | string
  | number
  | boolean
  | { set: Elem[] }
  | { ref: string } // a named set in the same table
  | { range: [string | number, string | number] }
  | { prefix: { addr: string; len: number } };

export type MatchOp = '==' | '!=' | 'in';

export interface Match {
  match: { op: MatchOp; left: Expr; right: Value };
}

export type Verdict =
  | { accept: null }
  | { drop: null }
  | { return: null }
  | { continue: null }
  | { jump: { target: string } }
  | { goto: { target: string } };

export type Statement =
  | Match
  | Verdict
  | { counter: { name: string } | null } // named counter (ref) or an anonymous one
  | { log: { prefix: string; group?: number; level?: string; flags?: string[] } }
  | { limit: { rate: number; per: 'second' | 'minute' | 'hour' | 'day'; burst: number; inv?: boolean } }
  | { mangle: { key: Expr; value: number | Expr | { map: { key: Expr; data: { ref: string } } } } }
  | { reject: { type: 'tcp reset' | 'icmpx' | 'icmp' | 'icmpv6'; expr?: string } }
  | { vmap: { key: Expr; data: { ref: string } } }
  | { notrack: null }
  /** Add/update an element of a dynamic set, with per-element statements (a meter). */
  | { set: { op: 'add' | 'update'; elem: Expr; set: string; stmt?: Statement[] } }
  | { 'ct helper': string }
  /** NFQUEUE verdict (pve's `ips`): to userspace queue `num` (or a balanced range); `bypass` accepts when no one listens. */
  | { queue: { num: number | { range: [number, number] }; flags: ('bypass' | 'fanout')[] } };

export interface Rule {
  expr: Statement[];
  comment?: string;
  /**
   * Where the rule came from, for traces and counters: e.g. `guest/100/in/3` for the 4th rule
   * of guest 100's IN list, `host/policy/in` for a policy verdict. Not rendered into nft.
   */
  origin?: string;
}
