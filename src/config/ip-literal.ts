/**
 * One parse per IP literal. ipaddr.js decides validity; the plain dotted quad (`10.1.2.3`, no
 * leading zeros, each part 0-255) is recognised by a scan first, because it is by far the most
 * common form and ipaddr.js's check for it parses the text three times. The scan accepts exactly
 * what `ipaddr.IPv4.isValidFourPartDecimal` accepts (test/unit/config/ip-literal.test.ts).
 */
import ipaddr from 'ipaddr.js';
import type { IpFamily } from './ast.js';

export interface IpLiteral {
  family: IpFamily;
  /** Canonical text: dotted quad, or RFC 5952 IPv6 (zone id kept). */
  text: string;
  bytes: number[];
}

/** The four octets of a plain dotted quad, or undefined for any other text. */
export function dottedQuad(text: string): number[] | undefined {
  const octets: number[] = [];
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (digits === 0 || octets.length === 3) return undefined;
      octets.push(value);
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return undefined; // leading zero
      value = value * 10 + (c - 0x30);
      digits++;
      if (value > 255) return undefined;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || octets.length !== 3) return undefined;
  octets.push(value);
  return octets;
}

/**
 * A four-part decimal IPv4 address or an IPv6 address (zone ids only with `allowZone`), else
 * undefined. Same verdict and text as `isValidFourPartDecimal` + `IPv4.parse` or
 * `IPv6.isValid` + `IPv6.parse`.
 */
export function parseIpLiteral(text: string, allowZone: boolean): IpLiteral | undefined {
  if (!text.includes(':')) {
    const quad = dottedQuad(text);
    // The canonical text of a dotted quad without leading zeros is the input itself.
    if (quad) return { family: 4, text, bytes: quad };
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
    const a = ipaddr.IPv4.parse(text);
    return { family: 4, text: a.toString(), bytes: a.toByteArray() };
  }
  if (!allowZone && text.includes('%')) return undefined;
  let a: ipaddr.IPv6;
  try {
    a = ipaddr.IPv6.parse(text); // throws exactly when IPv6.isValid is false
  } catch {
    return undefined;
  }
  return { family: 6, text: a.toString(), bytes: a.toByteArray() };
}
