/**
 * fwctl_rule_matches_total / fwctl_rule_bytes_total{scope,vmid,direction,pos,action}: one series
 * per user rule and policy verdict of the enforced ruleset (per-NIC policy counters summed).
 * fwctl_guest_drops_total{vmid,nic,direction,reason}: drops by a guest's own rules (nic ''),
 * policy, ipfilter, macfilter and layer2 filter (per NIC). nft counters cost ~150 ms to list on a
 * 10k-rule table (seconds at 100k), so they are re-read at most every `intervalMs`, in the
 * background: the scrape that finds the reading stale starts one and waits for it at most `waitMs`;
 * it and every scrape while the reading runs serve the last one. A scrape never waits for nft longer than that.
 *
 * These families have one series per rule (≈ 30k at 1,000 guests x 10 rules), which prom-client
 * takes ~100 ms to serialise on every scrape. They are rendered here instead, at most once per reading or
 * ruleset, from label strings computed once per ruleset (text.ts; promtool checks the output in
 * test/netns/prometheus.test.ts); a scrape appends the cached text to prom-client's.
 */
import type { Ruleset } from '../compiler/ruleset.js';
import type { CounterValue } from '../kernel/nft-counters.js';
import type { MetricsHost } from './guest.js';
import { counterFamily, labelString } from './text.js';
import { GUEST_FILTERS, indexCounters, type RuleKey } from './rules-index.js';

export interface RuleSample extends RuleKey {
  packets: number;
  bytes: number;
}

export interface RuleMetricsOptions {
  read: () => Promise<Map<string, CounterValue>>;
  intervalMs?: number;
  /** How long a scrape waits for a reading it started (default 25 ms). */
  waitMs?: number;
  now?: () => number;
}

export interface RuleMetrics {
  /** Call after every committed apply. */
  setRuleset(ruleset: Ruleset | undefined): void;
  /** The same with the index already built (indexCounters, or unpackIndex of what the worker sent). */
  setIndex(index: ReadonlyMap<string, RuleKey>): void;
  last(): RuleSample[];
  unregister(): void;
}

export function registerRuleMetrics(host: MetricsHost, opts: RuleMetricsOptions): RuleMetrics {
  const now = opts.now ?? (() => performance.now());
  const interval = opts.intervalMs ?? 10_000;
  const wait = opts.waitMs ?? 25;
  /** Per counter name: its key, and the label strings of its series (drops: only for guest drops). */
  let index = new Map<string, RuleKey & { match?: string; drop?: string }>();
  let values = new Map<string, CounterValue>();
  let readAt = -Infinity;
  let last: RuleSample[] = [];
  let text = '';
  /** The index or the values changed since `text` and `last` were made: made again when asked for. */
  let stale = true;
  let inflight: Promise<void> | undefined;

  const invalidate = () => {
    stale = true;
  };
  const render = () => {
    if (!stale) return;
    stale = false;
    last = [];
    // rows with equal labels add up (per-NIC policy counters → one series per policy)
    const matches = new Map<string, number>();
    const bytes = new Map<string, number>();
    const drops = new Map<string, number>();
    const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + Math.max(0, v));
    for (const [name, k] of index) {
      const v = values.get(name) ?? { packets: 0, bytes: 0 };
      last.push({ scope: k.scope, vmid: k.vmid, direction: k.direction, pos: k.pos, ...(k.nic === undefined ? {} : { nic: k.nic }), action: k.action, ...v });
      if (k.match !== undefined) {
        add(matches, k.match, v.packets);
        add(bytes, k.match, v.bytes);
      }
      if (k.drop !== undefined) add(drops, k.drop, v.packets);
    }
    text =
      counterFamily('fwctl_rule_matches_total', 'Packets matched by a firewall rule or policy', matches) +
      counterFamily('fwctl_rule_bytes_total', 'Bytes matched by a firewall rule or policy', bytes) +
      counterFamily('fwctl_guest_drops_total', 'Packets a guest sent or was sent that its firewall dropped or rejected, by reason: rule, policy, ipfilter, macfilter, layer2', drops);
  };
  const collect = async () => {
    // only the scrape that starts a reading waits for it (briefly); later ones serve the last one
    if (inflight || now() - readAt < interval) return;
    const p = opts.read().then((read) => {
      readAt = now();
      values = read;
      invalidate();
    }).finally(() => {
      if (inflight === p) inflight = undefined;
    });
    p.catch(() => undefined); // a failure nobody waits for: the next scrape tries again
    inflight = p;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, wait)))]);
    } finally {
      clearTimeout(timer);
    }
  };
  const setIndex = (next: ReadonlyMap<string, RuleKey>): void => {
    const prev = index;
    index = new Map();
    for (const [name, k] of next) {
      const old = prev.get(name);
      if (old && sameKey(old, k)) {
        index.set(name, old); // its label strings too
        continue;
      }
      const labels = { scope: k.scope, vmid: k.vmid, direction: k.direction, pos: k.pos, action: k.action };
      const guestDrop = k.scope === 'guest' && (k.action === 'DROP' || k.action === 'REJECT');
      const reason = k.pos === 'policy' || GUEST_FILTERS.has(k.pos) ? k.pos : 'rule';
      index.set(name, {
        ...k,
        ...(GUEST_FILTERS.has(k.pos) ? {} : { match: labelString(labels) }),
        ...(guestDrop ? { drop: labelString({ vmid: k.vmid, nic: k.nic ?? '', direction: k.direction, reason }) } : {}),
      });
    }
    // the new index over the last values (counters keep their names across applies); the next
    // reading comes on the usual cadence: a commit every second must not mean an nft listing
    // every second
    invalidate();
  };
  const offCollector = host.registerCollector('rule-counters', collect);
  const offText = host.registerExposition('rule-counters', () => {
    render();
    return text;
  });
  invalidate();
  return {
    setRuleset: (ruleset) => setIndex(ruleset ? indexCounters(ruleset) : new Map()),
    setIndex,
    last: () => {
      render();
      return last;
    },
    unregister() {
      offCollector();
      offText();
    },
  };
}

const sameKey = (a: RuleKey, b: RuleKey): boolean =>
  a.scope === b.scope && a.vmid === b.vmid && a.direction === b.direction && a.pos === b.pos && a.nic === b.nic && a.action === b.action;
