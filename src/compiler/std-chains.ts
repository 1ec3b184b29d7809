/**
 * pve-firewall's standard chains (PVEFW-Drop, PVEFW-Reject, PVEFW-DropBroadcast, PVEFW-reject,
 * PVEFW-smurfs, PVEFW-tcpflags, PVEFW-blacklist and the guest input filters), for both families
 * in one inet chain each.
 */
import type { HostOptions } from '../config/options.js';
import { ct, drop, eq, fibType, goto, jump, l4, match, nfproto, payload, PROTO, ret, accept } from './expr.js';
import { chains as C, sets as setNames } from './names.js';
import { logStatements, type RuleCtx } from './rules.js';
import type { Chain, Expr, Rule, Statement } from './ruleset.js';

const r = (...expr: Statement[]): Rule => ({ expr });
const chain = (name: string, rules: Rule[]): Chain => ({ name, rules, owner: 'core' });
const tcpFlags: Expr = payload('tcp', 'flags');
const flags = (mask: number, value: number, op: '==' | '!=' = '=='): Statement => match({ '&': [tcpFlags, mask] }, op, value);
const FIN = 0x01, SYN = 0x02, RST = 0x04, PSH = 0x08, ACK = 0x10, URG = 0x20;
const dport = (v: number | { range: [number, number] } | { set: number[] }) => eq(payload('th', 'dport'), v);
const sport = (v: number) => eq(payload('th', 'sport'), v);
const v4 = nfproto(4);
const v6 = nfproto(6);

function noise(name: string, smb: Statement[]): Chain {
  return chain(name, [
    r(v6, l4(PROTO.tcp), dport(43), jump(C.reject)),
    r(jump(C.dropBroadcast)),
    r(l4(PROTO.icmp), eq(payload('icmp', 'type'), 3), eq(payload('icmp', 'code'), 4), accept),
    r(l4(PROTO.icmp), eq(payload('icmp', 'type'), 11), accept),
    r(l4(PROTO.icmpv6), eq(payload('icmpv6', 'type'), { set: [1, 2, 3] }), accept),
    r(ct('invalid'), drop),
    r(l4(PROTO.udp), dport({ set: [135, 445] }), ...smb),
    r(l4(PROTO.udp), dport({ range: [137, 139] }), ...smb),
    r(l4(PROTO.udp), sport(137), dport({ range: [1024, 65535] }), ...smb),
    r(l4(PROTO.tcp), dport({ set: [135, 139, 445] }), ...smb),
    r(l4(PROTO.udp), dport(1900), drop),
    r(l4(PROTO.tcp), flags(FIN | SYN | RST | ACK, SYN, '!='), drop),
    r(l4(PROTO.udp), sport(53), drop),
  ]);
}

export function stdChains(opts: HostOptions, ctx: RuleCtx, hasBlacklist: boolean): Chain[] {
  const out: Chain[] = [
    chain(C.dropBroadcast, [
      r(v4, fibType('daddr', 'broadcast'), drop),
      r(v4, fibType('daddr', 'multicast'), drop),
      r(v4, fibType('daddr', 'anycast'), drop),
      r(eq(payload('ip', 'daddr'), { prefix: { addr: '224.0.0.0', len: 4 } }), drop),
      r(eq(payload('ip6', 'daddr'), { prefix: { addr: 'ff00::', len: 8 } }), drop),
    ]),
    chain(C.reject, [
      r(v4, fibType('daddr', 'broadcast'), drop),
      r(eq(payload('ip', 'saddr'), { prefix: { addr: '224.0.0.0', len: 4 } }), drop),
      r(l4(PROTO.icmp), drop),
      r(l4(PROTO.icmpv6), drop),
      r(l4(PROTO.tcp), { reject: { type: 'tcp reset' } }),
      r(l4(PROTO.udp), { reject: { type: 'icmpx', expr: 'port-unreachable' } }),
      r(v4, { reject: { type: 'icmp', expr: 'host-prohibited' } }),
      r({ reject: { type: 'icmpv6', expr: 'admin-prohibited' } }),
    ]),
    noise(C.dropNoise, [drop]),
    noise(C.rejectNoise, [jump(C.reject)]),
    chain(C.smurfs, [
      r(eq(payload('ip', 'saddr'), '0.0.0.0'), ret),
      r(v4, fibType('saddr', 'broadcast'), goto(C.smurflog)),
      r(eq(payload('ip', 'saddr'), { prefix: { addr: '224.0.0.0', len: 4 } }), goto(C.smurflog)),
    ]),
    chain(C.smurflog, logged(ctx, opts.smurf_log_level, C.smurflog)),
    chain(C.tcpflags, [
      r(l4(PROTO.tcp), flags(FIN | SYN | RST | PSH | ACK | URG, FIN | PSH | URG), goto(C.logflags)),
      r(l4(PROTO.tcp), flags(FIN | SYN | RST | PSH | ACK | URG, 0), goto(C.logflags)),
      r(l4(PROTO.tcp), flags(SYN | RST, SYN | RST), goto(C.logflags)),
      r(l4(PROTO.tcp), flags(FIN | SYN, FIN | SYN), goto(C.logflags)),
      r(l4(PROTO.tcp), sport(0), flags(FIN | SYN | RST | ACK, SYN), goto(C.logflags)),
    ]),
    chain(C.logflags, logged(ctx, opts.tcp_flags_log_level, C.logflags)),
  ];
  if (hasBlacklist) out.push(chain(C.blacklist, logged(ctx, opts.log_level_in, C.blacklist)));
  out.push(chain(C.fwbrIn, inputFilters(opts, hasBlacklist)));
  return out;
}

function logged(ctx: RuleCtx, level: HostOptions['log_level_in'], name: string): Rule[] {
  const log = logStatements(ctx, level, 0, name, 'DROP: ');
  return log.length ? [r(...log), r(drop)] : [r(drop)];
}

/** pve's ruleset_chain_add_input_filters: blacklist, smurfs (v4), tcpflags. */
function inputFilters(opts: HostOptions, hasBlacklist: boolean): Rule[] {
  const rules: Rule[] = [];
  if (hasBlacklist) {
    rules.push(r(eq(payload('ip', 'saddr'), { ref: setNames.ip('dc/blacklist', 4) }), jump(C.blacklist)));
    rules.push(r(eq(payload('ip6', 'saddr'), { ref: setNames.ip('dc/blacklist', 6) }), jump(C.blacklist)));
  }
  if (opts.nosmurfs) rules.push(r(v4, ct('invalid', 'new'), jump(C.smurfs)));
  if (opts.tcpflags) rules.push(r(l4(PROTO.tcp), jump(C.tcpflags)));
  return rules;
}
