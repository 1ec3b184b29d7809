/** Chains ordered so that every jump/goto/vmap target is defined before the chains using it. */
import { chainRefs, MAP_REF } from './refs.js';
import type { Chain, NamedMap } from './ruleset.js';

function mapTargets(m: NamedMap | undefined): string[] {
  const out: string[] = [];
  for (const e of m?.entries ?? []) {
    const v = e.value;
    if (typeof v !== 'object') continue;
    if ('jump' in v) out.push(v.jump.target);
    else if ('goto' in v) out.push(v.goto.target);
  }
  return out;
}

export function orderChains(chains: Chain[], mapList: NamedMap[]): Chain[] {
  const byName = new Map<string, Chain>();
  for (const c of chains) byName.set(c.name, c);
  const maps = new Map<string, string[]>();
  for (const m of mapList) maps.set(MAP_REF + m.name, mapTargets(m));
  const done = new Set<string>();
  const out: Chain[] = [];
  const visitName = (t: string): void => {
    const target = byName.get(t);
    if (target) visit(target);
  };
  const visit = (c: Chain): void => {
    if (done.has(c.name)) return;
    done.add(c.name);
    for (const t of chainRefs(c).targets) {
      if (t.startsWith(MAP_REF)) for (const mt of maps.get(t) ?? []) visitName(mt);
      else visitName(t);
    }
    out.push(c);
  };
  for (const c of chains) visit(c);
  return out;
}
