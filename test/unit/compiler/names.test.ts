import { describe, expect, it } from 'vitest';
import { chains, counterName, fnv1a32, hashAndTruncate, MAX_NAME, sanitize, sets } from '../../../src/compiler/names.js';

const VALID = /^[a-z0-9_-]+$/;

describe('names', () => {
  it('fnv1a32 matches the reference vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('keeps short names and hashes long ones to exactly the limit, distinctly', () => {
    expect(hashAndTruncate('short-name')).toBe('short-name');
    const a = hashAndTruncate(`x-${'a'.repeat(100)}`);
    const b = hashAndTruncate(`x-${'a'.repeat(99)}b`);
    expect(a).toHaveLength(MAX_NAME);
    expect(b).toHaveLength(MAX_NAME);
    expect(a).not.toBe(b);
    expect(a.startsWith('x-aaaa')).toBe(true);
  });

  it('sanitises user text onto the allow-list and keeps distinct inputs distinct', () => {
    expect(sanitize('web-servers_1')).toBe('web-servers_1');
    const s1 = sanitize('Web.Servers');
    const s2 = sanitize('web_servers');
    expect(s1).toMatch(VALID);
    expect(s1).not.toBe(s2);
  });

  it('guest chain names come from the port name, set names from the policy set id', () => {
    expect(chains.guest('qemu', 100, 0, 'in')).toBe('tap100i0-in');
    expect(chains.guest('lxc', 200, 3, 'out')).toBe('veth200i3-out');
    expect(sets.ip('dc/management', 4)).toBe('dc-management-v4');
    expect(sets.ip('guest/100/ipfilter-net0', 6)).toBe('g100-ipfilter-net0-v6');
  });

  it("hashes pve's over-long set name (test-ipset2) into a valid name under the limit", () => {
    const n = sets.ip('guest/100/a-longer-name-which-translates-into-fnv-digest-and-then-some-more-text', 4);
    expect(n.length).toBeLessThanOrEqual(MAX_NAME);
    expect(n).toMatch(VALID);
    expect(n).not.toBe(sets.ip('guest/100/a-longer-name-which-translates-into-fnv-digest-and-then-some-more-texT', 4));
  });

  it('every fixed name contains a separator (never an nft keyword such as fwd)', () => {
    for (const v of Object.values(chains)) if (typeof v === 'string') expect(v).toMatch(/^[a-z][a-z0-9_]*[-_][a-z0-9_-]+$/);
    expect(counterName('guest/100/in/3')).toBe('c-guest-100-in-3');
    expect(counterName('host/policy/in')).toBe('c-host-policy-in');
  });
});
