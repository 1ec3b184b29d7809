/** What the kernel counters need from a compiled Ruleset: the rule counter index, firewalled ports and blacklist prefixes. */
import { maps, sets } from '../compiler/names.js';
import type { Elem, Ruleset } from '../compiler/ruleset.js';
import { packRuleset } from '../metrics/rules-index.js';

/**
 * All of it as plain string arrays: the daemon's worker computes this after a commit and sends it
 * to the main thread (a structured clone of a few arrays of strings, not of a ruleset).
 */
export interface CounterFacts {
  kind: 'counter-facts';
  /** The rule counter index, packed (rules-index.ts packRuleset; unpackIndex reads it). */
  index: string[];
  ports: string[];
  blacklist: string[];
}

/**
 * `prev`: the facts of the previously committed ruleset. When the packed index, the ports and the
 * blacklist are all equal to it, `prev` itself is returned, so the caller can tell that nothing
 * needs sending (an IP-set element change, for one). Packing reuses the packings of chains the
 * incremental compiler kept.
 */
export function counterFacts(ruleset: Ruleset, prev?: CounterFacts): CounterFacts {
  const index = packRuleset(ruleset);
  const ports = firewalledPorts(ruleset);
  const blacklist = blacklistPrefixes(ruleset);
  const sameIndex = prev !== undefined && sameStrings(prev.index, index);
  if (prev && sameIndex && sameStrings(prev.ports, ports) && sameStrings(prev.blacklist, blacklist)) return prev;
  return { kind: 'counter-facts', index: sameIndex ? prev!.index : index, ports, blacklist };
}

const sameStrings = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export function isCounterFacts(x: Ruleset | CounterFacts): x is CounterFacts {
  return (x as CounterFacts).kind === 'counter-facts';
}

/** Ports with fwctl's port chains (the keys of the bridge table's ingress port map). */
export function firewalledPorts(ruleset: Ruleset): string[] {
  const out = new Set<string>();
  for (const t of ruleset.tables) {
    if (t.family !== 'bridge') continue;
    for (const m of t.maps) if (m.name === maps.l2In) for (const e of m.entries) if (typeof e.key === 'string') out.add(e.key);
  }
  return [...out].sort();
}

function elemText(e: Elem): string | undefined {
  if (typeof e === 'string') return e;
  if (typeof e === 'object' && 'prefix' in e) return `${e.prefix.addr}/${e.prefix.len}`;
  return undefined; // ranges do not occur in PVE IP sets
}

/**
 * Entries of the cluster `blacklist` IP set, both families. `nomatch` entries (exceptions) have no
 * counterpart in the trie, so the early drop leaves out every prefix that contains one; nft still
 * enforces those exactly.
 */
export function blacklistPrefixes(ruleset: Ruleset): string[] {
  const names = [4, 6].map((f) => sets.ip('dc/blacklist', f as 4 | 6));
  const nomatch = new Set([4, 6].map((f) => sets.ip('dc/blacklist', f as 4 | 6, true)));
  const out = new Set<string>();
  let hasExceptions = false;
  for (const t of ruleset.tables) {
    if (t.family !== 'inet') continue;
    for (const s of t.sets) {
      if (nomatch.has(s.name) && s.elements.length) hasExceptions = true;
      if (!names.includes(s.name)) continue;
      for (const e of s.elements) {
        const text = elemText(e);
        if (text) out.add(text);
      }
    }
  }
  return hasExceptions ? [] : [...out].sort();
}
