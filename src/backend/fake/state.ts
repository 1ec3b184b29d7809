/** The in-memory kernel of the fake backend: what nft would hold for each table. */
export interface FakeChain {
  base?: Record<string, unknown>;
  rules: unknown[][]; // each rule's expr list (libnftables-json)
}

export interface FakeTable {
  chains: Map<string, FakeChain>;
  sets: Map<string, { map?: string; elems: Map<string, unknown> }>; // maps live here too (map = data type)
  counters: Set<string>;
  helpers: Set<string>;
}

export type FakeKernel = Map<string, FakeTable>; // key: `${family} ${name}`

export function cloneKernel(k: FakeKernel): FakeKernel {
  const out: FakeKernel = new Map();
  for (const [key, t] of k) {
    out.set(key, {
      chains: new Map([...t.chains].map(([n, c]) => [n, { ...(c.base ? { base: c.base } : {}), rules: [...c.rules] }])),
      sets: new Map([...t.sets].map(([n, s]) => [n, { ...(s.map ? { map: s.map } : {}), elems: new Map(s.elems) }])),
      counters: new Set(t.counters),
      helpers: new Set(t.helpers),
    });
  }
  return out;
}
