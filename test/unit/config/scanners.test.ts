import { describe, expect, it } from 'vitest';
import { parseAddrSpec, parseCidr } from '../../../src/config/address.js';
import { parsePorts } from '../../../src/config/ports.js';
import { rule } from './helpers.js';

// The hand-written scanners must accept and report exactly what the regular expressions they replaced did.
describe('port list scanner', () => {
  it('parses numbers, ranges and service names', () => {
    expect(parsePorts('22')).toEqual({ ok: [{ lo: 22, hi: 22 }] });
    expect(parsePorts('00080,1:65535,ssh')).toEqual({ ok: [{ lo: 80, hi: 80 }, { lo: 1, hi: 65535 }, { lo: 22, hi: 22 }] });
  });

  it('reports the offset of the bad item', () => {
    expect(parsePorts('1,,2')).toEqual({ error: 'empty element in port list (extraneous comma)', offset: 2 });
    expect(parsePorts('80,')).toEqual({ error: 'empty element in port list (extraneous comma)', offset: 3 });
    expect(parsePorts('5,10:70000')).toEqual({ error: "invalid port '70000'", offset: 5 });
    expect(parsePorts('5,000001:2')).toEqual({ error: "invalid port '000001'", offset: 2 });
    expect(parsePorts('9:8')).toEqual({ error: "port range '9:8' ends before it starts", offset: 0 });
    expect(parsePorts('1:2:3')).toEqual({ error: "invalid port '1:2:3' (not a number, range or /etc/services name)", offset: 0 });
    expect(parsePorts(':5')).toMatchObject({ offset: 0 });
    expect(parsePorts('\u0663')).toMatchObject({ offset: 0 }); // not an ASCII digit
  });

  it('counts a range as two numbers', () => {
    expect(parsePorts('1:2,3:4,5:6,7:8,9:10,11:12,13:14,15')).toMatchObject({ ok: expect.any(Array) });
    expect(parsePorts('1:2,3:4,5:6,7:8,9:10,11:12,13:14,15:16')).toMatchObject({ tooMany: true, offset: 0 });
  });
});

describe('address scanner', () => {
  it('keeps canonical text and normalises the rest', () => {
    expect(parseCidr('10.1.0.0/16')).toEqual({ ok: { kind: 'cidr', family: 4, cidr: '10.1.0.0/16' } });
    expect(parseCidr('10.1.0.0/016')).toEqual({ ok: { kind: 'cidr', family: 4, cidr: '10.1.0.0/16' } });
    expect(parseCidr('FD00::/8')).toEqual({ ok: { kind: 'cidr', family: 6, cidr: 'fd00::/8' } });
    expect(parseCidr('10.1.2.3')).toEqual({ ok: { kind: 'cidr', family: 4, cidr: '10.1.2.3/32' } });
    expect(parseCidr('10.0.0.0/0')).toEqual({ ok: { kind: 'cidr', family: 4, cidr: '10.0.0.0/0' } });
    expect(parseCidr('10.0.0.0/1234')).toEqual({ error: "invalid prefix length '1234'", offset: 9, code: 'addr' });
    expect(parseCidr('10.0.0.0/')).toEqual({ error: "invalid prefix length ''", offset: 9, code: 'addr' });
  });

  it('splits lists and reports offsets', () => {
    expect(parseAddrSpec('10.0.0.1,10.0.0.2', false)).toMatchObject({ ok: { kind: 'literal', family: 4, items: [{ cidr: '10.0.0.1/32' }, { cidr: '10.0.0.2/32' }] } });
    expect(parseAddrSpec('10.0.0.1,', false)).toEqual({ error: 'empty element in address list (extraneous comma)', offset: 9, code: 'addr' });
    expect(parseAddrSpec('', false)).toEqual({ error: 'empty element in address list (extraneous comma)', offset: 0, code: 'addr' });
    expect(parseAddrSpec('10.0.0.1,fd00::1', false)).toMatchObject({ code: 'mixed', offset: 9 });
    expect(parseAddrSpec('10.0.0.1-10.0.0.2,10.0.0.9', false)).toMatchObject({ code: 'range-in-list' });
  });
});

describe('rule tokens', () => {
  it('splits on every \\s blank and keeps columns', () => {
    const { rule: r, diags } = rule('IN\u00a0ACCEPT\u2003-p tcp\t--dport 22 #  note\u3000');
    expect(diags).toEqual([]);
    expect(r).toMatchObject({ type: 'in', action: 'ACCEPT', proto: { name: 'tcp', num: 6 }, dport: [{ lo: 22, hi: 22 }], comment: 'note' });
    expect(r?.spans.dport?.col).toBe(18);
  });

  it('matches type words without case but not look-alikes', () => {
    expect(rule('oUt DROP').rule?.type).toBe('out');
    expect(rule('\u0130N DROP').diags).toEqual(['2:1 FW_RULE_TYPE']);
    expect(rule('|in DROP').rule).toMatchObject({ enabled: false, type: 'in' });
    expect(rule('|').diags).toEqual(['2:1 FW_RULE_SYNTAX']);
  });

  it('accepts one or two dashes only, and whole option words only', () => {
    expect(rule('IN DROP ---p tcp').diags).toEqual(['2:9 FW_RULE_OPTION_UNKNOWN']);
    expect(rule('IN DROP -pr tcp').diags).toEqual(['2:9 FW_RULE_OPTION_UNKNOWN']);
    expect(rule('IN DROP -P tcp').diags).toEqual(['2:9 FW_RULE_OPTION_UNKNOWN']);
    expect(rule('IN DROP -p').diags).toEqual(['2:9 FW_RULE_OPTION_NO_VALUE']);
  });

  it('reads a macro as the text before the last (VERDICT)', () => {
    expect(rule('IN (ACCEPT)').diags).toEqual(['2:4 FW_RULE_ACTION']);
    expect(rule('IN ssh(ACCEPT)').rule).toMatchObject({ macro: 'SSH', action: 'ACCEPT' });
    expect(rule('IN ssh(DROP)(ACCEPT)').diags).toEqual(['2:4 FW_MACRO_UNKNOWN']);
    expect(rule('IN ssh(accept)').diags).toEqual(['2:4 FW_RULE_ACTION']);
  });
});
