/**
 * The dotted-quad fast path must agree with ipaddr.js on every input: same verdict, same octets,
 * same canonical text. Seeded random inputs concentrate on near-misses (leading zeros, 256,
 * missing or extra parts, hex, signs, blanks).
 */
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { dottedQuad, parseIpLiteral } from '../../../src/config/ip-literal.js';
import { mulberry32 } from '../../fixtures/prng.js';

const PARTS = ['0', '1', '9', '10', '00', '01', '007', '99', '100', '199', '249', '255', '256', '260', '999', '1000', '0255', '0x1f', '0X1F', '', ' 1', '1 ', '+1', '-1', 'a', '1e2', '٣', '4294967295', '99999999999999999999'];
const SEPS = ['.', '.', '.', '.', '..', ':', ',', '/'];

function randomInput(rnd: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  if (rnd() < 0.4) {
    // numbers 0..999 in 1..6 parts, mostly 4
    const n = rnd() < 0.6 ? 4 : 1 + Math.floor(rnd() * 6);
    return Array.from({ length: n }, () => String(Math.floor(rnd() * (rnd() < 0.8 ? 256 : 1000)))).join('.');
  }
  const n = 1 + Math.floor(rnd() * 5);
  let s = pick(PARTS);
  for (let i = 1; i < n; i++) s += pick(SEPS) + pick(PARTS);
  return s;
}

function reference(text: string): { text: string; bytes: number[] } | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  const a = ipaddr.IPv4.parse(text);
  return { text: a.toString(), bytes: a.toByteArray() };
}

describe('dotted-quad fast path', () => {
  it('accepts exactly what ipaddr.IPv4.isValidFourPartDecimal accepts, with the same octets', () => {
    const rnd = mulberry32(20240611);
    let valid = 0;
    const mismatches: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const text = randomInput(rnd);
      const ref = reference(text);
      const quad = dottedQuad(text);
      if (ref) valid++;
      const same = ref === undefined ? quad === undefined : quad !== undefined && quad.join() === ref.bytes.join() && ref.text === text;
      if (!same) mismatches.push(text);
    }
    expect(mismatches).toEqual([]);
    expect(valid).toBeGreaterThan(5_000);
  });

  it('covers the boundaries', () => {
    for (const t of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '1.2.3.4']) expect(dottedQuad(t), t).toEqual(reference(t)?.bytes);
    for (const t of ['256.0.0.0', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.04', '1..2.3', '.1.2.3', '1.2.3.', '1.2.3.4 ', '0x1.2.3.4', '']) {
      expect(dottedQuad(t), t).toBeUndefined();
      expect(reference(t), t).toBeUndefined();
    }
  });
});

describe('parseIpLiteral', () => {
  const V6 = ['fe80::1', 'FD00:1::/64', 'fd00:1::', '::', '::1', '::ffff:10.0.0.1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'fe80::1%eth0', 'fe80::1%', ':::', 'g::1', '1::2::3', '0:0:0:0:0:0:0:0'];
  it('gives ipaddr.js verdict and text for IPv6, zone ids only when allowed', () => {
    for (const t of V6) {
      for (const allowZone of [true, false]) {
        const ok = ipaddr.IPv6.isValid(t) && (allowZone || !t.includes('%'));
        const got = parseIpLiteral(t, allowZone);
        if (!ok) {
          expect(got, t).toBeUndefined();
          continue;
        }
        const a = ipaddr.IPv6.parse(t);
        expect(got, t).toEqual({ family: 6, text: a.toString(), bytes: a.toByteArray() });
      }
    }
  });

  it('gives family 4 and the input text for dotted quads, and rejects other IPv4 notations', () => {
    expect(parseIpLiteral('10.1.2.3', false)).toEqual({ family: 4, text: '10.1.2.3', bytes: [10, 1, 2, 3] });
    for (const t of ['10.1.2', '167772161', '0xa.1.2.3', '010.1.2.3', 'host1']) expect(parseIpLiteral(t, true), t).toBeUndefined();
  });
});
