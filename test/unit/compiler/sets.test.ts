import { describe, expect, it } from 'vitest';
import { cidrInterval } from '../../../src/compiler/addr.js';
import { compileSet, effectiveIntervals } from '../../../src/compiler/sets.js';
import type { IpSet } from '../../../src/model/policy.js';

const cidr = (c: string, nomatch = false) => ({ item: { kind: 'cidr' as const, family: (c.includes(':') ? 6 : 4) as 4 | 6, cidr: c }, nomatch });

describe('IP sets', () => {
  it('merges overlapping and adjacent entries into prefixes and ranges', () => {
    const set: IpSet = { id: 'dc/x', scope: 'dc', name: 'x', entries: [cidr('10.0.0.0/25'), cidr('10.0.0.128/25'), cidr('10.0.0.5'), cidr('10.0.1.1'), cidr('10.0.1.2')] };
    const { named } = compileSet(set, 'core');
    expect(named.map((n) => n.name)).toEqual(['dc-x-v4', 'dc-x-v6']);
    expect(named[0]!.elements).toEqual([{ prefix: { addr: '10.0.0.0', len: 24 } }, { range: ['10.0.1.1', '10.0.1.2'] }]);
    expect(named[1]!.elements).toEqual([]);
  });

  it('applies nomatch like ipset hash:net: the most specific entry decides', () => {
    const ivs = effectiveIntervals([
      { iv: cidrInterval('fe80::/10'), nomatch: true },
      { iv: cidrInterval('fe80::1'), nomatch: false },
      { iv: cidrInterval('10.0.0.0/8'), nomatch: false },
      { iv: cidrInterval('10.1.0.0/16'), nomatch: true },
      { iv: cidrInterval('10.1.2.0/24'), nomatch: false },
    ]);
    const has = (a: string) => ivs.some(([lo, hi]) => { const [x] = cidrInterval(a); return lo <= x && x <= hi; });
    expect(has('fe80::1')).toBe(true);
    expect(has('fe80::2')).toBe(false);
    expect(has('10.9.9.9')).toBe(true);
    expect(has('10.1.9.9')).toBe(false);
    expect(has('10.1.2.3')).toBe(true);
  });

  it('agrees with a brute-force "innermost entry decides" on random nested sets, and scales to 100k entries', () => {
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 30; round++) {
      const entries: { iv: [bigint, bigint]; nomatch: boolean }[] = [];
      for (let i = 0; i < 40; i++) {
        const len = 16 + rnd(17); // /16 … /32 inside 10.0.0.0/16
        const base = (10 << 24) >>> 0;
        const addr = (base + rnd(65536)) >>> 0;
        const size = 2 ** (32 - len);
        const lo = BigInt(addr - (addr % size));
        entries.push({ iv: [lo, lo + BigInt(size) - 1n], nomatch: rnd(3) === 0 });
      }
      const ivs = effectiveIntervals(entries);
      for (let k = 0; k < 300; k++) {
        const x = BigInt(((10 << 24) >>> 0) + rnd(65536));
        let best: { iv: [bigint, bigint]; nomatch: boolean } | undefined;
        for (const e of entries) if (e.iv[0] <= x && x <= e.iv[1] && (!best || e.iv[1] - e.iv[0] <= best.iv[1] - best.iv[0])) best = e;
        const expected = best !== undefined && !best.nomatch;
        expect(ivs.some(([lo, hi]) => lo <= x && x <= hi)).toBe(expected);
      }
    }
    // a /8 with 100k nomatch /32 holes: linearithmic, finishes well within the test timeout
    const big = [{ iv: cidrInterval('10.0.0.0/8'), nomatch: false }];
    for (let i = 0; i < 100_000; i++) big.push({ iv: cidrInterval(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`), nomatch: true });
    const out = effectiveIntervals(big);
    expect(out.some(([lo, hi]) => lo <= cidrInterval('10.0.0.7')[0] && cidrInterval('10.0.0.7')[0] <= hi)).toBe(false);
    expect(out.some(([lo, hi]) => lo <= cidrInterval('10.200.0.7')[0] && cidrInterval('10.200.0.7')[0] <= hi)).toBe(true);
  });
});
