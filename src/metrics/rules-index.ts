/**
 * Which nft counter belongs to which rule: walks a compiled Ruleset and maps every named counter
 * to the origin of its rule (shapes in src/compiler/origins.ts: `guest/100/in/3`,
 * `guest/100/policy/in/net0`, `guest/100/ipfilter/net0`, `host/policy/in`, `dc/forward/2`,
 * `group/web/in/0`) and the action the rule takes after counting.
 */
import { chains } from '../compiler/names.js';
import type { Chain, Rule, Ruleset, Statement } from '../compiler/ruleset.js';

export interface RuleKey {
  /** `cluster`, `host`, `guest` or `group:<name>`. */
  scope: string;
  /** The guest's id, '' for other scopes. */
  vmid: string;
  direction: 'in' | 'out' | 'forward';
  /**
   * Rule position in its list (0-based, as in the config), `policy`, or for the guest's own
   * per-NIC filters `ipfilter`, `macfilter`, `layer2` (not config rules; direction `out`).
   */
  pos: string;
  /** `net<N>` for per-NIC counters (guest policy and filters); absent when shared by all NICs. */
  nic?: string;
  action: 'ACCEPT' | 'DROP' | 'REJECT' | 'GROUP' | 'OTHER';
}

function actionOf(expr: Statement[]): RuleKey['action'] {
  for (const s of expr) {
    if ('accept' in s || 'return' in s) return 'ACCEPT';
    if ('drop' in s) return 'DROP';
    if ('jump' in s || 'goto' in s) {
      const target = 'jump' in s ? s.jump.target : s.goto.target;
      if (target === chains.reject) return 'REJECT';
      if (target.startsWith('group-')) return 'GROUP';
    }
  }
  return 'OTHER';
}

export const GUEST_FILTERS: ReadonlySet<string> = new Set(['ipfilter', 'macfilter', 'layer2']);
const NIC = /^net\d+$/;

export function parseOrigin(origin: string): Omit<RuleKey, 'action'> | undefined {
  const p = origin.split('/');
  const dir = (d: string | undefined) => (d === 'in' || d === 'out' || d === 'forward' ? d : undefined);
  const guestDir = (d: string | undefined) => (d === 'in' || d === 'out' ? d : undefined);
  if (p[0] === 'guest' && (p.length === 4 || p.length === 5)) {
    const vmid = p[1]!;
    if (p.length === 4 && GUEST_FILTERS.has(p[2]!) && NIC.test(p[3]!)) return { scope: 'guest', vmid, direction: 'out', pos: p[2]!, nic: p[3]! };
    const policy = p[2] === 'policy';
    const d = guestDir(policy ? p[3] : p[2]);
    if (d && p.length === 4) return { scope: 'guest', vmid, direction: d, pos: policy ? 'policy' : p[3]! };
    if (d && policy && NIC.test(p[4]!)) return { scope: 'guest', vmid, direction: d, pos: 'policy', nic: p[4]! };
  }
  if (p[0] === 'group' && p.length === 4) {
    const d = dir(p[2]);
    if (d) return { scope: `group:${p[1]}`, vmid: '', direction: d, pos: p[3]! };
  }
  if ((p[0] === 'host' || p[0] === 'cluster' || p[0] === 'dc') && p.length === 3) {
    const policy = p[1] === 'policy';
    const d = dir(policy ? p[2] : p[1]);
    // cluster.fw rules have origin dc/…; the label says cluster
    if (d) return { scope: p[0] === 'dc' ? 'cluster' : p[0], vmid: '', direction: d, pos: policy ? 'policy' : p[2]! };
  }
  return undefined;
}

function counterOf(rule: Rule): string | undefined {
  for (const s of rule.expr) if ('counter' in s && s.counter) return s.counter.name;
  return undefined;
}

/** Counted rules of one chain; chains are immutable and reused by the incremental compiler. */
const perChain = new WeakMap<Chain, [string, RuleKey][]>();

function indexChain(c: Chain): [string, RuleKey][] {
  let out = perChain.get(c);
  if (out) return out;
  out = [];
  for (const r of c.rules) {
    const name = counterOf(r);
    if (!name || !r.origin) continue;
    const k = parseOrigin(r.origin);
    if (k) out.push([name, { ...k, action: actionOf(r.expr.slice(r.expr.findIndex((s) => 'counter' in s))) }]);
  }
  perChain.set(c, out);
  return out;
}

export function indexCounters(ruleset: Ruleset): Map<string, RuleKey> {
  const out = new Map<string, RuleKey>();
  for (const t of ruleset.tables) for (const c of t.chains) for (const [name, k] of indexChain(c)) if (!out.has(name)) out.set(name, k);
  return out;
}

const FIELDS = 7;

const packKey = (name: string, k: RuleKey): string[] => [name, k.scope, k.vmid, k.direction, k.pos, k.nic ?? '', k.action];

const packedChains = new WeakMap<Chain, string[]>();

/**
 * The counter index as one flat string array (name, scope, vmid, direction, pos, nic, action per
 * counter), cheap to send between threads. Per-chain packings are kept with the (immutable,
 * reused) chains, so only changed chains cost anything. A name may repeat (a
 * counter shared by an inet chain and a bridge chain); unpackIndex keeps the first, as indexCounters.
 */
export function packRuleset(ruleset: Ruleset): string[] {
  const parts: string[][] = [];
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      let p = packedChains.get(c);
      if (!p) {
        p = indexChain(c).flatMap(([name, k]) => packKey(name, k));
        packedChains.set(c, p);
      }
      if (p.length) parts.push(p);
    }
  }
  return ([] as string[]).concat(...parts);
}

export function unpackIndex(flat: readonly string[]): Map<string, RuleKey> {
  const out = new Map<string, RuleKey>();
  for (let i = 0; i + FIELDS <= flat.length; i += FIELDS) {
    const [name, scope, vmid, direction, pos, nic, action] = flat.slice(i, i + FIELDS) as [string, string, string, RuleKey['direction'], string, string, RuleKey['action']];
    if (out.has(name)) continue;
    out.set(name, { scope, vmid, direction, pos, ...(nic ? { nic } : {}), action });
  }
  return out;
}
