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
});
