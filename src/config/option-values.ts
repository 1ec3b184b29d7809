/**
 * `[OPTIONS]` lines (`key: value`) per file kind, with pve-firewall's value forms
 * (parse_clusterfw_option, parse_hostfw_option, parse_vmfw_option). Option names are
 * case-insensitive; a value that does not parse is an error and the option keeps its default.
 */
import type { FwKind, LogLevel, Verdict } from './ast.js';
import type { ClusterEnable, LogRateLimit } from './options.js';
import { LOG_LEVELS } from './rule.js';

export type OptionResult = { key: string; value: unknown } | { error: 'unknown' | 'value'; key?: string; message: string; valueOffset?: number };

type Parser = (v: string) => { ok: unknown } | { error: string };

const bool: Parser = (v) => (v === '0' || v === '1' ? { ok: v === '1' } : { error: `expected 0 or 1, got '${v}'` });

const logLevel: Parser = (v) => {
  if (v === '') return { ok: 'nolog' };
  const l = v.toLowerCase() as LogLevel;
  return LOG_LEVELS.includes(l) ? { ok: l } : { error: `invalid log level '${v}'` };
};

const policy = (allowed: Verdict[]): Parser => (v) => {
  const u = v.toUpperCase() as Verdict;
  return allowed.includes(u) ? { ok: u } : { error: `expected ${allowed.join(', ')}, got '${v}'` };
};

const int = (min: number, max = Number.MAX_SAFE_INTEGER): Parser => (v) => {
  if (!/^\d{1,15}$/.test(v)) return { error: `expected an integer, got '${v}'` };
  const n = Number(v);
  return n < min || n > max ? { error: `${n} is out of range ${min}..${max === Number.MAX_SAFE_INTEGER ? '' : max}` } : { ok: n };
};

const clusterEnable: Parser = (v) => {
  if (!/^\d{1,15}$/.test(v)) return { error: `expected 0, 1 or a Unix timestamp, got '${v}'` };
  const n = Number(v);
  const e: ClusterEnable = n === 0 ? { kind: 'off' } : n === 1 ? { kind: 'on' } : { kind: 'until', since: n };
  return { ok: e };
};

const HELPERS = ['amanda', 'ftp', 'irc', 'netbios-ns', 'pptp', 'sane', 'sip', 'snmp', 'tftp'];

const helpers: Parser = (v) => {
  if (v === '') return { ok: [] };
  const list = v.split(',').map((s) => s.trim());
  const bad = list.find((h) => !HELPERS.includes(h));
  return bad !== undefined ? { error: `unknown conntrack helper '${bad}' (${HELPERS.join(', ')})` } : { ok: list };
};

const ipsQueues: Parser = (v) => {
  const m = /^(\d{1,5})(?::(\d{1,5}))?$/.exec(v);
  if (!m || Number(m[1]) > 65535 || (m[2] !== undefined && (Number(m[2]) > 65535 || Number(m[2]) < Number(m[1])))) {
    return { error: `expected a queue number or range 'a:b', got '${v}'` };
  }
  return { ok: v };
};

const layer2: Parser = (v) => {
  const list = v.split(',').map((s) => s.trim());
  return list.every((s) => /^[A-Za-z0-9_]+$/.test(s)) ? { ok: list } : { error: `invalid ethertype list '${v}'` };
};

const RATE = /^([1-9][0-9]{0,8})(?:\/(second|minute|hour|day))?$/;

/** `log_ratelimit: [enable=]0|1,rate=N/unit,burst=N`, defaults enable=1, rate=1/second, burst=5. */
const rateLimit: Parser = (v) => {
  const out: LogRateLimit = { enable: true, rate: { count: 1, per: 'second' }, burst: 5 };
  const seen = new Set<string>();
  for (const part of v.split(',')) {
    const eq = part.indexOf('=');
    const key = eq < 0 ? 'enable' : part.slice(0, eq).trim();
    const val = (eq < 0 ? part : part.slice(eq + 1)).trim();
    if (seen.has(key)) return { error: `'${key}' given twice` };
    seen.add(key);
    if (key === 'enable') {
      const b = /^(1|on|yes|true)$/i.test(val) ? true : /^(0|off|no|false)$/i.test(val) ? false : undefined;
      if (b === undefined) return { error: `invalid enable value '${val}'` };
      out.enable = b;
    } else if (key === 'rate') {
      const m = RATE.exec(val);
      if (!m) return { error: `invalid rate '${val}' (N/second|minute|hour|day)` };
      out.rate = { count: Number(m[1]), per: (m[2] ?? 'second') as LogRateLimit['rate']['per'] };
    } else if (key === 'burst') {
      if (!/^\d{1,9}$/.test(val)) return { error: `invalid burst '${val}'` };
      out.burst = Number(val);
    } else {
      return { error: `unknown log_ratelimit property '${key}'` };
    }
  }
  return { ok: out };
};

const CLUSTER: Record<string, Parser> = {
  enable: clusterEnable,
  ebtables: bool,
  policy_in: policy(['ACCEPT', 'DROP', 'REJECT']),
  policy_out: policy(['ACCEPT', 'DROP', 'REJECT']),
  policy_forward: policy(['ACCEPT', 'DROP']),
  log_ratelimit: rateLimit,
};

const HOST: Record<string, Parser> = {
  enable: bool,
  nosmurfs: bool,
  tcpflags: bool,
  ndp: bool,
  log_nf_conntrack: bool,
  nf_conntrack_allow_invalid: bool,
  protection_synflood: bool,
  nftables: bool,
  management_first: bool,
  log_level_in: logLevel,
  log_level_out: logLevel,
  log_level_forward: logLevel,
  tcp_flags_log_level: logLevel,
  smurf_log_level: logLevel,
  nf_conntrack_max: int(32768),
  nf_conntrack_tcp_timeout_established: int(7875),
  nf_conntrack_tcp_timeout_syn_recv: int(30, 60),
  protection_synflood_rate: int(1),
  protection_synflood_burst: int(1),
  nf_conntrack_helpers: helpers,
};

const GUEST: Record<string, Parser> = {
  enable: bool,
  dhcp: bool,
  ndp: bool,
  radv: bool,
  macfilter: bool,
  ipfilter: bool,
  ips: bool,
  log_level_in: logLevel,
  log_level_out: logLevel,
  policy_in: policy(['ACCEPT', 'DROP', 'REJECT']),
  policy_out: policy(['ACCEPT', 'DROP', 'REJECT']),
  ips_queues: ipsQueues,
  layer2_protocols: layer2,
};

const BY_KIND: Record<FwKind, Record<string, Parser>> = { cluster: CLUSTER, host: HOST, guest: GUEST };

export function optionNames(kind: FwKind): string[] {
  return Object.keys(BY_KIND[kind]);
}

/** Parses one trimmed `[OPTIONS]` line. Offsets are 0-based within the text. */
export function parseOptionLine(kind: FwKind, text: string): OptionResult {
  const m = /^([A-Za-z0-9_]+):[ \t]*(.*)$/.exec(text);
  if (!m) return { error: 'unknown', message: `cannot parse option line '${text}'` };
  const key = (m[1] ?? '').toLowerCase();
  const table = BY_KIND[kind];
  const parser = Object.hasOwn(table, key) ? table[key] : undefined;
  if (!parser) return { error: 'unknown', key, message: `unknown option '${m[1]}' for a ${kind} file` };
  const raw = m[2] ?? '';
  const valueOffset = text.length - raw.length;
  const r = parser(raw);
  if ('error' in r) {
    const hint = raw.includes('#') ? ' (comments are not allowed after option values)' : '';
    return { error: 'value', key, message: `option '${key}': ${r.error}${hint}`, valueOffset };
  }
  return { key, value: r.ok };
}
