/**
 * Which nft counter belongs to which rule: walks a compiled Ruleset and maps every named counter
 * to the origin of its rule (`guest/100/in/3`, `host/policy/in`, `group/web/in/0`) and the action
 * the rule takes after counting.
 */
import { chains } from '../compiler/names.js';
import type { Rule, Ruleset, Statement } from '../compiler/ruleset.js';

export interface RuleKey {
  /** `cluster`, `host`, `guest` or `group:<name>`. */
  scope: string;
  /** The guest's id, '' for other scopes. */
  vmid: string;
  direction: 'in' | 'out';
  /** Rule position in its list (0-based, as in the config), or `policy`. */
  pos: string;
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

export function parseOrigin(origin: string): Omit<RuleKey, 'action'> | undefined {
  const p = origin.split('/');
  const dir = (d: string | undefined) => (d === 'in' || d === 'out' ? d : undefined);
  if (p[0] === 'guest' && p.length === 4) {
    const policy = p[2] === 'policy';
    const d = dir(policy ? p[3] : p[2]);
    if (d) return { scope: 'guest', vmid: p[1]!, direction: d, pos: policy ? 'policy' : p[3]! };
  }
  if (p[0] === 'group' && p.length === 4) {
    const d = dir(p[2]);
    if (d) return { scope: `group:${p[1]}`, vmid: '', direction: d, pos: p[3]! };
  }
  if ((p[0] === 'host' || p[0] === 'cluster') && p.length === 3) {
    const policy = p[1] === 'policy';
    const d = dir(policy ? p[2] : p[1]);
    if (d) return { scope: p[0], vmid: '', direction: d, pos: policy ? 'policy' : p[2]! };
  }
  return undefined;
}

function counterOf(rule: Rule): string | undefined {
  for (const s of rule.expr) if ('counter' in s && s.counter) return s.counter.name;
  return undefined;
}

export function indexCounters(ruleset: Ruleset): Map<string, RuleKey> {
  const out = new Map<string, RuleKey>();
  for (const t of ruleset.tables) {
    for (const c of t.chains) {
      for (const r of c.rules) {
        const name = counterOf(r);
        if (!name || !r.origin || out.has(name)) continue;
        const k = parseOrigin(r.origin);
        if (k) out.set(name, { ...k, action: actionOf(r.expr.slice(r.expr.findIndex((s) => 'counter' in s))) });
      }
    }
  }
  return out;
}
