/**
 * fwctl_rule_matches_total / fwctl_rule_bytes_total{scope,vmid,direction,pos,action}: one series
 * per user rule and policy verdict of the enforced ruleset (per-NIC policy counters summed).
 * fwctl_guest_drops_total{vmid,nic,direction,reason}: drops by a guest's own rules (nic ''),
 * policy, ipfilter, macfilter and layer2 filter (per NIC). nft counters cost ~150 ms to list on a
 * 10k-rule table, so they are re-read at most every `intervalMs`; scrapes in between serve the
 * last reading.
 */
import { Counter } from 'prom-client';
import type { Ruleset } from '../compiler/ruleset.js';
import type { CounterValue } from '../kernel/nft-counters.js';
import { setCounter, type MetricsHost } from './guest.js';
import { GUEST_FILTERS, indexCounters, type RuleKey } from './rules-index.js';

export interface RuleSample extends RuleKey {
  packets: number;
  bytes: number;
}

export interface RuleMetricsOptions {
  read: () => Promise<Map<string, CounterValue>>;
  intervalMs?: number;
  now?: () => number;
}

export interface RuleMetrics {
  /** Call after every committed apply. */
  setRuleset(ruleset: Ruleset | undefined): void;
  last(): RuleSample[];
  unregister(): void;
}

export function registerRuleMetrics(host: MetricsHost, opts: RuleMetricsOptions): RuleMetrics {
  const registers: never[] = [];
  const labelNames = ['scope', 'vmid', 'direction', 'pos', 'action'] as const;
  const matches = host.registerMetric(new Counter({ name: 'fwctl_rule_matches_total', help: 'Packets matched by a firewall rule or policy', labelNames, registers }));
  const bytes = host.registerMetric(new Counter({ name: 'fwctl_rule_bytes_total', help: 'Bytes matched by a firewall rule or policy', labelNames, registers }));
  const drops = host.registerMetric(new Counter({
    name: 'fwctl_guest_drops_total',
    help: "Packets a guest sent or was sent that its firewall dropped or rejected, by reason: rule, policy, ipfilter, macfilter, layer2",
    labelNames: ['vmid', 'nic', 'direction', 'reason'] as const, registers,
  }));
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 10_000;
  let index = new Map<string, RuleKey>();
  let readAt = -Infinity;
  let last: RuleSample[] = [];

  const collect = async () => {
    if (now() - readAt < interval) return;
    const values = await opts.read();
    readAt = now();
    last = [...index].map(([name, k]) => ({ ...k, ...(values.get(name) ?? { packets: 0, bytes: 0 }) }));
    const lbl = ({ scope, vmid, direction, pos, action }: RuleSample) => ({ scope, vmid, direction, pos, action });
    // rows with equal labels add up (per-NIC policy counters → one series per policy)
    const rules = last.filter((s) => !GUEST_FILTERS.has(s.pos));
    setCounter(matches, rules.map((s) => [lbl(s), s.packets]));
    setCounter(bytes, rules.map((s) => [lbl(s), s.bytes]));
    setCounter(drops, last.flatMap((s) => {
      if (s.scope !== 'guest' || (s.action !== 'DROP' && s.action !== 'REJECT')) return [];
      const reason = s.pos === 'policy' || GUEST_FILTERS.has(s.pos) ? s.pos : 'rule';
      return [[{ vmid: s.vmid, nic: s.nic ?? '', direction: s.direction, reason }, s.packets]];
    }));
  };
  const off = host.registerCollector('rule-counters', collect);
  return {
    setRuleset(ruleset) {
      index = ruleset ? indexCounters(ruleset) : new Map();
      readAt = -Infinity;
    },
    last: () => last,
    unregister: off,
  };
}
