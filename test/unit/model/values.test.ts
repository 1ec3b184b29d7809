import { describe, expect, it } from 'vitest';
import { cidr, ifaceName, ipAddr, isIpLiteral, macAddr, macToLinkLocal, portRange, setName, ValueError } from '../../../src/model/values.js';

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof ValueError ? e.code : 'other';
  }
  return undefined;
};

describe('values', () => {
  it('normalises CIDRs: full prefixes dropped, IPv6 lower-case and compressed', () => {
    expect(cidr('10.0.0.1/32')).toEqual({ cidr: '10.0.0.1', family: 4, prefix: 32 });
    expect(cidr('10.0.0.0/8').cidr).toBe('10.0.0.0/8');
    expect(cidr('2001:DB8:0:0::1/128')).toEqual({ cidr: '2001:db8::1', family: 6, prefix: 128 });
    expect(cidr('FE80::/10').cidr).toBe('fe80::/10');
  });

  it('rejects what nft would treat as a host name', () => {
    expect(code(() => cidr('10.0.0.300'))).toBe('invalid-cidr');
    expect(code(() => cidr('10.0.0'))).toBe('invalid-cidr');
    expect(code(() => cidr('10.0.0.0/33'))).toBe('invalid-cidr');
    expect(code(() => cidr('10.0.0.0/8/8'))).toBe('invalid-cidr');
    expect(code(() => ipAddr('hostname1'))).toBe('invalid-ip');
    expect(isIpLiteral('hostname1')).toBe(false);
    expect(isIpLiteral('172.16.2.11')).toBe(true);
  });

  it('derives the EUI-64 link-local address from a MAC (U/L bit flipped)', () => {
    expect(macToLinkLocal(macAddr('0E:0B:38:B8:B3:21'))).toBe('fe80::c0b:38ff:feb8:b321');
    expect(macToLinkLocal(macAddr('00:11:22:33:44:55'))).toBe('fe80::211:22ff:fe33:4455');
    expect(code(() => macAddr('0E:0B:38:B8:B3'))).toBe('invalid-mac');
  });

  it('validates ports, interface names and set names', () => {
    expect(portRange(80)).toEqual({ lo: 80, hi: 80 });
    expect(code(() => portRange(90, 80))).toBe('invalid-port');
    expect(code(() => portRange(65536))).toBe('invalid-port');
    expect(ifaceName('vmbr0.100')).toBe('vmbr0.100');
    expect(code(() => ifaceName('a-very-long-interface'))).toBe('invalid-iface');
    expect(code(() => ifaceName('eth 0'))).toBe('invalid-iface');
    expect(setName('MySet')).toBe('myset');
    expect(code(() => setName('1abc'))).toBe('invalid-set-name');
  });
});
