/**
 * pve-firewall's `ips: 1`: a guest's accepted NEW inbound connections and all established
 * traffic towards it go to NFQUEUE (Suricata) with bypass, on the queue(s) of `ips_queues`
 * (`N` or `A:B`, a balanced range; queue 0 when unset).
 */
import type { GuestOptions } from '../config/options.js';
import type { Statement } from './ruleset.js';

export function ipsQueue(o: Pick<GuestOptions, 'ips' | 'ips_queues'>, kernelHasQueue = true): Statement | undefined {
  if (!o.ips || !kernelHasQueue) return undefined;
  const m = /^(\d+)(?::(\d+))?$/.exec(o.ips_queues?.trim() ?? '');
  const lo = m ? Number(m[1]) : 0;
  const hi = m?.[2] !== undefined ? Number(m[2]) : undefined;
  const num = hi !== undefined && hi > lo ? { range: [lo, hi] as [number, number] } : lo;
  return { queue: { num, flags: ['bypass'] } };
}
