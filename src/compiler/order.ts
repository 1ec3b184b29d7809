/** Chains ordered so that every jump/goto/vmap target is defined before the chains using it. */
import type { Chain, NamedMap, Statement } from './ruleset.js';

function targetsOf(s: Statement, maps: Map<string, NamedMap>): string[] {
  if ('jump' in s) return [s.jump.target];
  if ('goto' in s) return [s.goto.target];
  if ('vmap' in s) {
    const m = maps.get(s.vmap.data.ref);
    return (m?.entries ?? []).flatMap((e) => (typeof e.value === 'object' && 'jump' in e.value ? [e.value.jump.target] : typeof e.value === 'object' && 'goto' in e.value ? [e.value.goto.target] : []));
  }
  return [];
}

export function orderChains(chains: Chain[], mapList: NamedMap[]): Chain[] {
  const byName = new Map(chains.map((c) => [c.name, c]));
  const maps = new Map(mapList.map((m) => [m.name, m]));
  const done = new Set<string>();
  const out: Chain[] = [];
  const visit = (c: Chain): void => {
    if (done.has(c.name)) return;
    done.add(c.name);
    for (const rule of c.rules) {
      for (const s of rule.expr) {
        for (const t of targetsOf(s, maps)) {
          const target = byName.get(t);
          if (target) visit(target);
        }
      }
    }
    out.push(c);
  };
  chains.forEach(visit);
  return out;
}
