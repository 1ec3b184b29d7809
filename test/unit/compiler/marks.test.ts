import { describe, expect, it } from 'vitest';
import { ACCEPT_BIT, assignPortIds, EGRESS_MASK, egressValue, EST_BIT, INGRESS_MASK } from '../../../src/compiler/marks.js';

describe('mark layout and port ids', () => {
  it('fields do not overlap and cover 32 bits', () => {
    const fields = [INGRESS_MASK, EGRESS_MASK, EST_BIT, ACCEPT_BIT];
    for (let i = 0; i < fields.length; i++) for (let j = i + 1; j < fields.length; j++) expect((fields[i]! & fields[j]!) >>> 0).toBe(0);
    expect(fields.reduce((a, b) => a + b, 0)).toBe(0xffffffff);
    expect(egressValue(INGRESS_MASK)).toBe(EGRESS_MASK);
  });

  it('gives natural ids vmid*8+nic that do not move when other guests come and go', () => {
    const a = assignPortIds([{ vmid: 100, nic: 0 }, { vmid: 200, nic: 1 }]);
    const b = assignPortIds([{ vmid: 200, nic: 1 }, { vmid: 150, nic: 0 }]);
    expect(a.get('100i0')).toBe(800);
    expect(a.get('200i1')).toBe(1601);
    expect(b.get('200i1')).toBe(1601);
  });

  it('falls back to unique hashed ids below 800 for big vmids and high NICs, deterministically', () => {
    const ports = [{ vmid: 100000, nic: 0 }, { vmid: 100000, nic: 1 }, { vmid: 300, nic: 12 }, { vmid: 4096, nic: 0 }, { vmid: 4095, nic: 7 }];
    const ids = assignPortIds(ports);
    const again = assignPortIds([...ports].reverse());
    expect(ids.get('4095i7')).toBe(4095 * 8 + 7);
    for (const k of ['100000i0', '100000i1', '300i12', '4096i0']) {
      expect(ids.get(k)).toBeGreaterThanOrEqual(1);
      expect(ids.get(k)).toBeLessThan(800);
      expect(again.get(k)).toBe(ids.get(k));
    }
    expect(new Set(ids.values()).size).toBe(ports.length);
  });
});
