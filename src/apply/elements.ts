import type { Elem } from '../compiler/ruleset.js';
import { deepEqual } from './equal.js';

/** A key per element for set lookups; scalars need no serialisation. */
export const elemKey = (e: Elem): string => (typeof e === 'string' ? e : typeof e === 'number' ? `#${e}` : JSON.stringify(e));

export interface ListDiff<T> {
  removed: T[];
  added: T[];
}

/**
 * What left and what joined a list of set elements (or map entries), where order carries no
 * meaning. The common prefix and suffix are skipped with cheap comparisons first, so a one
 * element change in a 100k-element set only builds lookup tables for the few items in between.
 */
export function diffList<T>(before: readonly T[], after: readonly T[], key: (x: T) => string, eq: (a: T, b: T) => boolean = deepEqual): ListDiff<T> {
  let lo = 0;
  const min = Math.min(before.length, after.length);
  while (lo < min && eq(before[lo] as T, after[lo] as T)) lo++;
  let hb = before.length;
  let ha = after.length;
  while (hb > lo && ha > lo && eq(before[hb - 1] as T, after[ha - 1] as T)) {
    hb--;
    ha--;
  }
  if (lo === hb && lo === ha) return { removed: [], added: [] };
  const midBefore = before.slice(lo, hb);
  const midAfter = after.slice(lo, ha);
  const inBefore = new Set(midBefore.map(key));
  const inAfter = new Set(midAfter.map(key));
  let removed = midBefore.filter((x) => !inAfter.has(key(x)));
  let added = midAfter.filter((x) => !inBefore.has(key(x)));
  // An item that only moved between the middle and the common ends is neither removed nor added.
  if (removed.length) removed = notOutside(removed, after, lo, ha, key, eq);
  if (added.length) added = notOutside(added, before, lo, hb, key, eq);
  return { removed, added };
}

/** The candidates that occur nowhere in `list` outside [from, to). Few candidates: a scan, no table. */
function notOutside<T>(cands: T[], list: readonly T[], from: number, to: number, key: (x: T) => string, eq: (a: T, b: T) => boolean): T[] {
  if (cands.length <= 16) {
    const found = (c: T): boolean => {
      for (let i = 0; i < from; i++) if (eq(list[i] as T, c)) return true;
      for (let i = to; i < list.length; i++) if (eq(list[i] as T, c)) return true;
      return false;
    };
    return cands.filter((c) => !found(c));
  }
  const s = new Set<string>();
  for (let i = 0; i < from; i++) s.add(key(list[i] as T));
  for (let i = to; i < list.length; i++) s.add(key(list[i] as T));
  return cands.filter((c) => !s.has(key(c)));
}
