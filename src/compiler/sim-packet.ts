/** The packet the tracer walks, and the hook steps of its path. */
import type { IpFamily } from '../config/ast.js';
import type { Hook } from './ruleset.js';

export interface SimPacket {
  family: IpFamily;
  /** IP protocol number (6 tcp, 17 udp, 1 icmp, 58 icmpv6, 2 igmp). */
  proto: number;
  saddr: string;
  daddr: string;
  sport?: number;
  dport?: number;
  icmpType?: number;
  icmpCode?: number;
  /** TCP flags; a NEW connection's SYN (0x02) when absent. */
  tcpFlags?: number;
  /** Conntrack state; 'new' when absent. */
  ctState?: 'new' | 'established' | 'related' | 'invalid' | 'untracked';
  /** fib address types as nft spells them: unicast, local, broadcast, multicast, anycast. */
  dsttype?: string;
  srctype?: string;
  etherSaddr?: string;
  mark?: number;
}

export interface HookStep {
  family: 'inet' | 'bridge';
  hook: Hook;
  iifname?: string;
  oifname?: string;
}

export type SimAction = 'ACCEPT' | 'DROP' | 'REJECT';

export interface TraceStep {
  hook: Hook;
  family: string;
  table: string;
  chain: string;
  rule: number; // index in chain, -1 for the chain policy
  origin?: string;
  /** What the rule did: 'accept', 'drop', 'reject', 'jump x', 'goto x', 'return', 'mark', 'log' … */
  effect: string;
}

export interface SimResult {
  action: SimAction;
  trace: TraceStep[];
}
