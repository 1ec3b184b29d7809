/**
 * fwctl_rule_matches_total / fwctl_rule_bytes_total{scope,vmid,direction,pos,action}: one series
 * per user rule and policy verdict of the enforced ruleset. fwctl_guest_drops_total
 * {vmid,nic,direction,reason}: drops by a guest's own rules and policy. nft counters cost ~150 ms
 * to list on a 10k-rule table, so they are re-read at most every `intervalMs`; scrapes in
 * between serve the last reading.
 */
import { Counter } from 'prom-client';
import type { Ruleset } from '../compiler/ruleset.js';
import type { CounterValue } from '../kernel/nft-counters.js';
import { setCounter, type MetricsHost } from './guest.js';
import { indexCounters, type RuleKey } from './rules-index.js';

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
    help: "Packets dropped or rejected by a guest's rules (reason=rule) or policy (reason=policy)",
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
    setCounter(matches, last.map((s) => [lbl(s), s.packets]));
    setCounter(bytes, last.map((s) => [lbl(s), s.bytes]));
    const sums = new Map<string, number>();
    for (const s of last) {
      if (s.scope !== 'guest' || (s.action !== 'DROP' && s.action !== 'REJECT')) continue;
      const key = `${s.vmid}/${s.direction}/${s.pos === 'policy' ? 'policy' : 'rule'}`;
      sums.set(key, (sums.get(key) ?? 0) + s.packets);
    }
    setCounter(drops, [...sums].map(([k, v]) => {
      const [vmid, direction, reason] = k.split('/');
      return [{ vmid, nic: '', direction, reason }, v];
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
