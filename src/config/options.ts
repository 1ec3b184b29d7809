/**
 * Typed `[OPTIONS]` of each file kind, with pve-firewall's defaults. Parsing of option values
 * lives in the .fw parser; this module is the single source of the option names and defaults.
 */
import type { LogLevel, Verdict } from './ast.js';

export interface LogRateLimit {
  enable: boolean;
  rate: { count: number; per: 'second' | 'minute' | 'hour' | 'day' };
  burst: number;
}

/** `enable` at cluster level is 0, 1, or a Unix timestamp: enabled for 60 s after it. */
export type ClusterEnable = { kind: 'off' } | { kind: 'on' } | { kind: 'until'; since: number };

export interface ClusterOptions {
  enable: ClusterEnable;
  policy_in: Verdict;
  policy_out: Verdict;
  policy_forward: Verdict; // proxmox-firewall (nftables) only; ACCEPT by default
  log_ratelimit: LogRateLimit;
  ebtables: boolean;
}

export interface HostOptions {
  enable: boolean;
  nosmurfs: boolean;
  tcpflags: boolean;
  ndp: boolean;
  log_level_in: LogLevel;
  log_level_out: LogLevel;
  log_level_forward: LogLevel;
  log_nf_conntrack: boolean;
  smurf_log_level: LogLevel;
  tcp_flags_log_level: LogLevel;
  nf_conntrack_allow_invalid: boolean;
  nf_conntrack_max: number;
  nf_conntrack_tcp_timeout_established: number;
  nf_conntrack_tcp_timeout_syn_recv: number;
  nf_conntrack_helpers: string[]; // amanda, ftp, irc, netbios-ns, pptp, sane, sip, snmp, tftp
  protection_synflood: boolean;
  protection_synflood_rate: number;
  protection_synflood_burst: number;
  nftables: boolean;
  /** fwctl extension: management allowances are evaluated before user rules. */
  management_first: boolean;
}

export interface GuestOptions {
  enable: boolean;
  dhcp: boolean;
  ipfilter: boolean;
  macfilter: boolean;
  ndp: boolean;
  radv: boolean;
  policy_in: Verdict;
  policy_out: Verdict;
  log_level_in: LogLevel;
  log_level_out: LogLevel;
  ips: boolean;
  ips_queues?: string;
  /** Legacy ebtables filter of the iptables backend: ethertype names as written. */
  layer2_protocols?: string[];
}

export const CLUSTER_DEFAULTS: ClusterOptions = {
  enable: { kind: 'off' },
  policy_in: 'DROP',
  policy_out: 'ACCEPT',
  policy_forward: 'ACCEPT',
  log_ratelimit: { enable: true, rate: { count: 1, per: 'second' }, burst: 5 },
  ebtables: true,
};

export const HOST_DEFAULTS: HostOptions = {
  enable: true,
  nosmurfs: true,
  tcpflags: false,
  ndp: true,
  log_level_in: 'nolog',
  log_level_out: 'nolog',
  log_level_forward: 'nolog',
  log_nf_conntrack: false,
  smurf_log_level: 'nolog',
  tcp_flags_log_level: 'nolog',
  nf_conntrack_allow_invalid: false,
  nf_conntrack_max: 262144,
  nf_conntrack_tcp_timeout_established: 432000,
  nf_conntrack_tcp_timeout_syn_recv: 60,
  nf_conntrack_helpers: [],
  protection_synflood: false,
  protection_synflood_rate: 200,
  protection_synflood_burst: 1000,
  nftables: false,
  management_first: false,
};

export const GUEST_DEFAULTS: GuestOptions = {
  enable: false,
  dhcp: true,
  ipfilter: false,
  macfilter: true,
  ndp: true,
  radv: false,
  policy_in: 'DROP',
  policy_out: 'ACCEPT',
  log_level_in: 'nolog',
  log_level_out: 'nolog',
  ips: false,
};
