/**
 * Policy IP sets → named sets, one per family: interval sets, or hash sets when every element is
 * a single address. ipset nomatch entries are resolved here (see effectiveIntervals).
 */
import type { IpFamily } from '../config/ast.js';
import type { IpSet } from '../model/policy.js';
import { asPrefix, fromBig, itemInterval, mergeIntervals, type Interval } from './addr.js';
import { sets as setNames } from './names.js';
import type { Elem, NamedSet } from './ruleset.js';

export interface SetInfo {
  id: string;
  /** Per family: whether the nomatch sibling has entries (only then is it matched). */
  nomatch: Record<IpFamily, boolean>;
}

export function intervalElems(list: Interval[], family: IpFamily): Elem[] {
  return mergeIntervals(list).map((iv) => {
    const p = asPrefix(iv, family);
    if (!p) return { range: [fromBig(iv[0], family), fromBig(iv[1], family)] };
    return p.len === (family === 4 ? 32 : 128) ? p.addr : { prefix: p };
  });
}

/**
 * ipset `hash:net` semantics, computed exactly: the most specific entry containing an address
 * decides (nomatch excludes). The result is a plain set; no nomatch sibling is needed at lookup.
 * CIDR entries nest or are disjoint, so the entries form a forest and one sweep suffices
 * (O(n log n)); entries that overlap without nesting (ranges) fall back to painting.
 */
export function effectiveIntervals(entries: { iv: Interval; nomatch: boolean }[]): Interval[] {
  if (!entries.some((e) => e.nomatch)) return mergeIntervals(entries.map((e) => e.iv));
  const sorted = [...entries].sort((a, b) => (a.iv[0] < b.iv[0] ? -1 : a.iv[0] > b.iv[0] ? 1 : a.iv[1] > b.iv[1] ? -1 : a.iv[1] < b.iv[1] ? 1 : 0));
  const children = new Map<number, number[]>();
  const roots: number[] = [];
  const stack: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const [lo, hi] = sorted[i]!.iv;
    while (stack.length && sorted[stack[stack.length - 1]!]!.iv[1] < lo) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent === undefined) roots.push(i);
    else if (hi <= sorted[parent]!.iv[1]) {
      const list = children.get(parent);
      if (list) list.push(i);
      else children.set(parent, [i]);
    }
    else return paint(entries); // partial overlap: not a forest
    stack.push(i);
  }
  const out: Interval[] = [];
  const visit = (i: number): void => {
    const e = sorted[i]!;
    const kids = children.get(i) ?? [];
    if (!e.nomatch) {
      let cur = e.iv[0];
      for (const k of kids) {
        const [klo, khi] = sorted[k]!.iv;
        if (klo > cur) out.push([cur, klo - 1n]);
        if (khi + 1n > cur) cur = khi + 1n;
      }
      if (cur <= e.iv[1]) out.push([cur, e.iv[1]]);
    }
    for (const k of kids) visit(k);
  };
  for (const r of roots) visit(r);
  return mergeIntervals(out);
}

/** Painting from the widest entry to the narrowest: exact for any overlap, quadratic. */
function paint(entries: { iv: Interval; nomatch: boolean }[]): Interval[] {
  const sorted = [...entries].sort((a, b) => {
    const sa = a.iv[1] - a.iv[0];
    const sb = b.iv[1] - b.iv[0];
    return sa > sb ? -1 : sa < sb ? 1 : 0;
  });
  let acc: Interval[] = [];
  for (const e of sorted) acc = e.nomatch ? subtract(acc, e.iv) : mergeIntervals([...acc, e.iv]);
  return acc;
}

function subtract(list: Interval[], [lo, hi]: Interval): Interval[] {
  const out: Interval[] = [];
  for (const [a, b] of list) {
    if (b < lo || a > hi) out.push([a, b]);
    else {
      if (a < lo) out.push([a, lo - 1n]);
      if (b > hi) out.push([hi + 1n, b]);
    }
  }
  return out;
}

export function compileSet(set: IpSet, owner: string): { named: NamedSet[]; info: SetInfo } {
  const named: NamedSet[] = [];
  const info: SetInfo = { id: set.id, nomatch: { 4: false, 6: false } };
  for (const family of [4, 6] as const) {
    const entries = set.entries.filter((e) => e.item.family === family).map((e) => ({ iv: itemInterval(e.item), nomatch: e.nomatch }));
    const elements = intervalElems(effectiveIntervals(entries), family);
    const ns: NamedSet = {
      name: setNames.ip(set.id, family),
      type: family === 4 ? 'ipv4_addr' : 'ipv6_addr',
      // Only single addresses: a hash set, whose element updates nft 1.0.6 does without re-reading
      // every interval set into its cache (0.3 ms vs seconds with 100k elements present).
      flags: elements.every((e) => typeof e === 'string') ? [] : ['interval'],
      elements,
      owner,
      source: set.id,
    };
    if (set.comment) ns.comment = set.comment;
    named.push(ns);
  }
  return { named, info };
}
