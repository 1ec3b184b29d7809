/**
 * The part of a compiled Ruleset the kernel counters need (src/kernel/counters.ts `update`):
 * every counted rule from its counter on (name, origin, verdict), the bridge port map (the
 * firewalled ports) and the cluster blacklist sets (the uplinks' early drop). The worker sends
 * this back after a commit instead of the whole ruleset; it is a Ruleset of the same shape, so
 * `update` reads it as it would read the real one.
 */
import { maps, sets } from '../compiler/names.js';
import type { Chain, Rule, Ruleset } from '../compiler/ruleset.js';

const BLACKLIST = new Set([4, 6].flatMap((f) => [sets.ip('dc/blacklist', f as 4 | 6), sets.ip('dc/blacklist', f as 4 | 6, true)]));

/** Counted rules of a chain, cut to their tail; chains are immutable and reused by the incremental compiler. */
const tails = new WeakMap<Chain, Rule[]>();

function countedTails(c: Chain): Rule[] {
  let out = tails.get(c);
  if (out) return out;
  out = [];
  for (const r of c.rules) {
    if (!r.origin) continue;
    const i = r.expr.findIndex((s) => 'counter' in s && s.counter);
    if (i >= 0) out.push({ expr: r.expr.slice(i), origin: r.origin });
  }
  tails.set(c, out);
  return out;
}

export function counterView(rs: Ruleset): Ruleset {
  return {
    tables: rs.tables.map((t) => ({
      family: t.family,
      name: t.name,
      chains: [{ name: 'counted', owner: 'core', rules: t.chains.flatMap(countedTails) }],
      sets: t.family === 'inet' ? t.sets.filter((s) => BLACKLIST.has(s.name)) : [],
      maps: t.family === 'bridge' ? t.maps.filter((m) => m.name === maps.l2In) : [],
      counters: [],
    })),
  };
}
