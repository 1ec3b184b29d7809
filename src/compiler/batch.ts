/** pve-firewall style test packets (`{from, to, proto, dport, ...}`) → simulate() runs. */
import { lookupIcmpType } from '../config/icmp.js';
import type { Policy } from '../model/policy.js';
import { familyOf } from './addr.js';
import type { Ruleset } from './ruleset.js';
import type { SimPacket, SimResult } from './sim-packet.js';
import { SimError, simulate } from './simulate.js';
import { parseZone, zonePath } from './zones.js';

export interface SimRequest {
  from: string;
  to: string;
  proto?: string;
  dport?: string | number;
  sport?: string | number;
  source?: string;
  dest?: string;
  dsttype?: string;
  srctype?: string;
  id?: string;
  action?: string;
}

const PROTOS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, 'ipv6-icmp': 58, igmp: 2 };
export const DEFAULT_SOURCE = { 4: '100.100.1.2', 6: 'fd00:100::2' };
export const DEFAULT_DEST = { 4: '100.200.3.4', 6: 'fd00:200::4' };

function port(v: string | number | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SimError('bad-packet', `bad port '${v}'`);
  return n;
}

/** Builds the packet with pve-firewall's simulator defaults. */
export function packetFor(policy: Policy, req: SimRequest): SimPacket {
  const explicit = req.source ?? req.dest;
  const family = explicit !== undefined ? familyOf(explicit) : 4;
  const hostAddr = family === 4 ? policy.hostIPv4 : policy.hostIPv6;
  const saddr = req.source ?? (req.from === 'host' && hostAddr ? hostAddr : DEFAULT_SOURCE[family]);
  const daddr = req.dest ?? (req.to === 'host' && hostAddr ? hostAddr : DEFAULT_DEST[family]);
  if (familyOf(saddr) !== familyOf(daddr)) throw new SimError('bad-packet', 'source and dest of different families');
  const protoName = (req.proto ?? 'tcp').toLowerCase();
  const proto = PROTOS[protoName] ?? Number(protoName);
  if (!Number.isInteger(proto)) throw new SimError('bad-packet', `unknown proto '${req.proto}'`);
  const pkt: SimPacket = { family, proto, saddr, daddr };
  if (proto === 1 || proto === 58) {
    if (req.dport !== undefined) {
      const t = lookupIcmpType(proto === 1 ? 4 : 6, String(req.dport));
      if (t === undefined || t === 'any') throw new SimError('bad-packet', `unknown icmp type '${req.dport}'`);
      pkt.icmpType = t.type;
      pkt.icmpCode = t.code ?? 0;
    }
  } else {
    const dp = port(req.dport);
    const sp = port(req.sport);
    if (dp !== undefined) pkt.dport = dp;
    if (sp !== undefined) pkt.sport = sp;
  }
  pkt.dsttype = (req.dsttype ?? 'UNICAST').toLowerCase();
  pkt.srctype = (req.srctype ?? 'UNICAST').toLowerCase();
  return pkt;
}

export function simulateRequest(ruleset: Ruleset, policy: Policy, req: SimRequest): SimResult {
  const from = parseZone(policy, req.from);
  const to = parseZone(policy, req.to);
  const pkt = packetFor(policy, req);
  if (from.kind === 'port' && from.mac) pkt.etherSaddr = from.mac.toLowerCase();
  return simulate(ruleset, pkt, zonePath(from, to));
}

/** JSON lines in, one result per non-blank line out (errors reported per line, typed by code). */
export function simulateBatch(ruleset: Ruleset, policy: Policy, jsonLines: string): ({ id?: string; request: SimRequest } & ({ result: SimResult } | { error: { code: string; message: string } }))[] {
  const out: ({ id?: string; request: SimRequest } & ({ result: SimResult } | { error: { code: string; message: string } }))[] = [];
  for (const line of jsonLines.split('\n')) {
    if (!line.trim()) continue;
    let request: SimRequest;
    try {
      request = JSON.parse(line) as SimRequest;
    } catch {
      out.push({ request: { from: '', to: '' }, error: { code: 'bad-json', message: 'line is not JSON' } });
      continue;
    }
    const base = request.id !== undefined ? { id: request.id, request } : { request };
    try {
      out.push({ ...base, result: simulateRequest(ruleset, policy, request) });
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
      out.push({ ...base, error: { code: e.code, message: e.message } });
    }
  }
  return out;
}
