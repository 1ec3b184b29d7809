/** Everything a rule or map element refers to by name: chains (jump/goto) and sets (`@name`), counters. */
export interface Refs {
  chains: string[];
  sets: string[];
  counters: string[];
}

export function collectRefs(v: unknown, out: Refs = { chains: [], sets: [], counters: [] }, key?: string): Refs {
  if (typeof v === 'string') {
    if (v.startsWith('@')) out.sets.push(v.slice(1));
    else if (key === 'counter') out.counters.push(v);
    return out;
  }
  if (Array.isArray(v)) {
    for (const x of v) collectRefs(x, out);
    return out;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'prefix' && typeof x === 'string') continue; // a log prefix is text, not a ref
      if ((k === 'jump' || k === 'goto') && x && typeof x === 'object' && 'target' in x) out.chains.push(String(x.target));
      else collectRefs(x, out, k);
    }
  }
  return out;
}
