import { describe, expect, it } from 'vitest';
import { decodePrefix, encodePrefix } from '../../../src/kernel/lpm.js';
import { parseGuestPort } from '../../../src/kernel/guest-port.js';

describe('blacklist trie keys', () => {
  it('stores IPv4 as IPv4-mapped IPv6 with 96 added to the prefix length', () => {
    const p = encodePrefix('10.1.2.3/24');
    expect(p.key.readUInt32LE(0)).toBe(120);
    expect([...p.key.subarray(4, 20)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 0]);
    expect(p.text).toBe('10.1.2.0/24');
  });

  it('treats a bare address as a host prefix and clears host bits of IPv6', () => {
    expect(encodePrefix('192.0.2.7').text).toBe('192.0.2.7/32');
    expect(encodePrefix('fd00:1:2:3::9/48').text).toBe('fd00:1:2::/48');
    expect(encodePrefix('fd00::1').key.readUInt32LE(0)).toBe(128);
  });

  it('round-trips through decode', () => {
    for (const t of ['0.0.0.0/0', '10.0.0.0/8', 'fd00::/8', '::/0', '172.16.5.4/32']) expect(decodePrefix(encodePrefix(t).key)).toBe(t);
  });

  it('refuses what is not an address before it reaches the map', () => {
    expect(() => encodePrefix('10.0.0.300')).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
    expect(() => encodePrefix('example.com')).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });
});

describe('guest port names', () => {
  it('recognises Proxmox tap and veth names only', () => {
    expect(parseGuestPort('tap100i0')).toEqual({ kind: 'tap', vmid: 100, nic: 0 });
    expect(parseGuestPort('veth4095i12')).toEqual({ kind: 'veth', vmid: 4095, nic: 12 });
    for (const n of ['eth0', 'vmbr0', 'tap100', 'tap0100i0', 'fwbr100i0', 'tap100i0x']) expect(parseGuestPort(n)).toBeUndefined();
  });
});
