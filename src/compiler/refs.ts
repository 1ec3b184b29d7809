/**
 * What a chain refers to, found in one walk over its statements and remembered per Chain object
 * (chains are immutable once built): used for chain ordering and for the bridge copy's closure.
 */
import type { Chain, Statement } from './ruleset.js';

export interface ChainRefs {
  /** jump/goto targets and vmap map names (as `MAP_REF` + name), in statement order. */
  targets: string[];
  /** Named sets referenced by matches (`@name`). */
  sets: string[];
  /** Named counters. */
  counters: string[];
}

/** Prefix of a vmap's map name in ChainRefs.targets (chain names never contain NUL). */
export const MAP_REF = '\0';

const cache = new WeakMap<Chain, ChainRefs>();

/** Adds what `s` refers to; returns `refs` for chaining. */
export function addRefs(refs: ChainRefs, s: Statement): void {
  if ('match' in s) {
    const right = s.match.right;
    if (typeof right === 'object' && right !== null && 'ref' in right) refs.sets.push(right.ref);
  } else if ('counter' in s) {
    if (s.counter) refs.counters.push(s.counter.name);
  } else if ('jump' in s) refs.targets.push(s.jump.target);
  else if ('goto' in s) refs.targets.push(s.goto.target);
  else if ('vmap' in s) refs.targets.push(MAP_REF + s.vmap.data.ref);
}

export function chainRefs(c: Chain): ChainRefs {
  let refs = cache.get(c);
  if (!refs) {
    refs = { targets: [], sets: [], counters: [] };
    for (const rule of c.rules) for (const s of rule.expr) addRefs(refs, s);
    cache.set(c, refs);
  }
  return refs;
}

/** Records refs already known for a chain built by the caller (saves the walk). */
export function rememberRefs(c: Chain, refs: ChainRefs): void {
  cache.set(c, refs);
}
