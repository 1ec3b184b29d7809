import { describe, expect, it } from 'vitest';
import { parseFw } from '../../../src/config/fw.js';
import { inSection } from './helpers.js';

const codes = (text: string, kind: 'cluster' | 'host' | 'guest' = 'cluster') =>
  parseFw(text, 'f.fw', kind, 100).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);

describe('sections', () => {
  it('accepts case-insensitive headers and lower-cases names, keeps header comments', () => {
    const r = parseFw('[Options]\nenable: 1\n[IPSET MySet] # my set\n10.0.0.1\n[GROUP Web1]  #  web  \nIN ACCEPT\n[aliases]\nA1 10.0.0.2\n[Rules]\nOUT DROP\n', 'f.fw', 'cluster');
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.ipsets[0]).toMatchObject({ name: 'myset', comment: 'my set', span: { line: 3, col: 1 } });
    expect(r.ast.groups[0]).toMatchObject({ name: 'web1', comment: 'web' });
    expect(r.ast.aliases[0]).toMatchObject({ name: 'a1', value: { cidr: '10.0.0.2/32' } });
    expect(r.ast.rules).toHaveLength(1);
  });

  it('reports lines before any section', () => {
    expect(codes('IN ACCEPT\n[RULES]\n')).toEqual(['1:1 FW_NO_SECTION']);
  });

  it('rejects sections a file kind does not have, content stays in the previous section', () => {
    expect(codes('[ALIASES]\n', 'host')).toEqual(['1:1 FW_SECTION_NOT_ALLOWED']);
    expect(codes('[IPSET x1]\n', 'host')).toEqual(['1:1 FW_SECTION_NOT_ALLOWED']);
    const r = parseFw('[RULES]\n[group g1]\nIN ACCEPT\n', 'f.fw', 'guest', 100);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FW_SECTION_NOT_ALLOWED']);
    expect(r.ast.rules).toHaveLength(1);
  });

  it('reports unknown sections', () => {
    expect(codes('[foo]\n')).toEqual(['1:1 FW_SECTION_UNKNOWN']);
  });

  it('checks IP set and group names (pattern, length)', () => {
    expect(codes('[IPSET 1bad]\n')).toEqual(['1:8 FW_NAME_INVALID']);
    expect(codes(`[IPSET a${'b'.repeat(64)}]\n`)).toEqual(['1:8 FW_NAME_INVALID']);
    expect(codes(`[IPSET a${'b'.repeat(63)}]\n`)).toEqual([]);
    expect(codes('[group abcdefghijklmnopqrs]\n')).toEqual(['1:8 FW_NAME_INVALID']);
    expect(codes('[group abcdefghijklmnopqr]\n')).toEqual([]);
  });

  it('entries under an invalid set header are skipped as outside a section', () => {
    expect(codes('[IPSET 1bad]\n10.0.0.1\n')).toEqual(['1:8 FW_NAME_INVALID', '2:1 FW_NO_SECTION']);
  });

  it('a redefined IP set replaces the first one with a warning', () => {
    const r = parseFw('[IPSET s1]\n10.0.0.1\n[IPSET S1]\n10.0.0.2\n', 'f.fw', 'cluster');
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.severity}`)).toEqual(['3:1 FW_SECTION_DUPLICATE warning']);
    expect(r.ast.ipsets).toHaveLength(1);
    expect(r.ast.ipsets[0]?.entries.map((e) => e.value)).toEqual([{ kind: 'cidr', family: 4, cidr: '10.0.0.2/32' }]);
  });

  it('skips comment lines, blank lines, tolerates CRLF and indentation', () => {
    const r = parseFw('# head\r\n\r\n  [RULES]  \r\n\t IN ACCEPT -p tcp -dport 1 \r\n', 'f.fw', 'guest', 100);
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.rules[0]?.span).toEqual({ file: 'f.fw', line: 4, col: 3 });
  });
});

describe('line hygiene', () => {
  it('rejects over-long lines and control characters at their position', () => {
    expect(codes(`[RULES]\nIN ACCEPT # ${'x'.repeat(5000)}\nIN\u0000 ACCEPT\n`)).toEqual(['2:4097 CFG_LINE_TOO_LONG', '3:3 CFG_BINARY_DATA']);
  });
});

describe('[OPTIONS]', () => {
  it('parses cluster options', () => {
    const r = parseFw('[OPTIONS]\nENABLE: 1\npolicy_in: reject\npolicy_out: DROP\npolicy_forward: DROP\nebtables: 0\nlog_ratelimit: enable=1,rate=10/minute,burst=20\n', 'f.fw', 'cluster');
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.options).toEqual({
      enable: { kind: 'on' }, policy_in: 'REJECT', policy_out: 'DROP', policy_forward: 'DROP', ebtables: false,
      log_ratelimit: { enable: true, rate: { count: 10, per: 'minute' }, burst: 20 },
    });
    expect(r.ast.optionSpans.policy_out).toEqual({ file: 'f.fw', line: 4, col: 1 });
  });

  it('enable with a timestamp, log_ratelimit defaults', () => {
    const r = parseFw('[OPTIONS]\nenable: 1700000000\nlog_ratelimit: 0\n', 'f.fw', 'cluster');
    expect(r.ast.options).toEqual({ enable: { kind: 'until', since: 1700000000 }, log_ratelimit: { enable: false, rate: { count: 1, per: 'second' }, burst: 5 } });
    expect(parseFw('[OPTIONS]\nenable: 0\n', 'f.fw', 'cluster').ast.options.enable).toEqual({ kind: 'off' });
  });

  it('parses host options', () => {
    const r = parseFw('[OPTIONS]\nnosmurfs: 0\ntcpflags: 1\nlog_nf_conntrack: 1\nnf_conntrack_helpers: ftp,tftp\nnf_conntrack_max: 196608\nlog_level_in: info\nsmurf_log_level:\nnftables: 1\nprotection_synflood: 1\nprotection_synflood_rate: 300\nnf_conntrack_tcp_timeout_syn_recv: 45\n', 'f.fw', 'host');
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.options).toEqual({
      nosmurfs: false, tcpflags: true, log_nf_conntrack: true, nf_conntrack_helpers: ['ftp', 'tftp'], nf_conntrack_max: 196608,
      log_level_in: 'info', smurf_log_level: 'nolog', nftables: true, protection_synflood: true, protection_synflood_rate: 300, nf_conntrack_tcp_timeout_syn_recv: 45,
    });
  });

  it('parses guest options', () => {
    const r = parseFw('[OPTIONS]\nenable: 1\ndhcp: 0\nipfilter: 1\nmacfilter: 0\npolicy_in: ACCEPT\nlog_level_out: debug\nips: 1\nips_queues: 0:3\nlayer2_protocols: ARP,IPX\n', 'f.fw', 'guest', 100);
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.options).toEqual({ enable: true, dhcp: false, ipfilter: true, macfilter: false, policy_in: 'ACCEPT', log_level_out: 'debug', ips: true, ips_queues: '0:3', layer2_protocols: ['ARP', 'IPX'] });
  });

  const bad: [string, 'cluster' | 'host' | 'guest', string][] = [
    ['constructor: 1', 'cluster', '2:1 FW_OPTION_UNKNOWN'],
    ['hasOwnProperty: 1', 'host', '2:1 FW_OPTION_UNKNOWN'],
    ['dafadfsdf: afda', 'guest', '2:1 FW_OPTION_UNKNOWN'],
    ['no colon here', 'guest', '2:1 FW_OPTION_UNKNOWN'],
    ['nosmurfs: 1', 'guest', '2:1 FW_OPTION_UNKNOWN'],
    ['policy_forward: DROP', 'guest', '2:1 FW_OPTION_UNKNOWN'],
    ['enable: yes', 'guest', '2:9 FW_OPTION_VALUE'],
    ['enable: 1 # on', 'guest', '2:9 FW_OPTION_VALUE'],
    ['enable: -1', 'cluster', '2:9 FW_OPTION_VALUE'],
    ['policy_in: ALLOW', 'guest', '2:12 FW_OPTION_VALUE'],
    ['policy_forward: REJECT', 'cluster', '2:17 FW_OPTION_VALUE'],
    ['log_level_in: loud', 'host', '2:15 FW_OPTION_VALUE'],
    ['nf_conntrack_max: 100', 'host', '2:19 FW_OPTION_VALUE'],
    ['nf_conntrack_tcp_timeout_syn_recv: 61', 'host', '2:36 FW_OPTION_VALUE'],
    ['nf_conntrack_helpers: ftp,http', 'host', '2:23 FW_OPTION_VALUE'],
    ['log_ratelimit: rate=0/second', 'cluster', '2:16 FW_OPTION_VALUE'],
    ['log_ratelimit: enable=1,colour=red', 'cluster', '2:16 FW_OPTION_VALUE'],
    ['ips_queues: 3:1', 'guest', '2:13 FW_OPTION_VALUE'],
  ];
  for (const [line, kind, expected] of bad) {
    it(`${kind}: '${line}' → ${expected}`, () => {
      const r = inSection(kind, 'OPTIONS', line);
      expect(r.diags).toEqual([expected]);
      expect(r.ast.options).toEqual({});
      expect(r.ast.optionSpans).toEqual({});
    });
  }

  it('warns when an option is set twice; the last value applies', () => {
    const r = parseFw('[OPTIONS]\nenable: 1\nenable: 0\n', 'f.fw', 'guest', 100);
    expect(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.severity}`)).toEqual(['3:1 FW_OPTION_DUPLICATE warning']);
    expect(r.ast.options.enable).toBe(false);
  });
});

describe('[ALIASES]', () => {
  it('parses aliases with comments, normalises addresses', () => {
    const r = parseFw('[ALIASES]\nv6 2001:db8:0:85a3:0:0:ac1f:8001 # srv\nnet 10.0.0.0/24\n', 'f.fw', 'cluster');
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.aliases).toEqual([
      { span: { file: 'f.fw', line: 2, col: 1 }, name: 'v6', value: { kind: 'cidr', family: 6, cidr: '2001:db8:0:85a3::ac1f:8001/128' }, comment: 'srv' },
      { span: { file: 'f.fw', line: 3, col: 1 }, name: 'net', value: { kind: 'cidr', family: 4, cidr: '10.0.0.0/24' } },
    ]);
  });

  it('rejects malformed aliases and duplicates (at the duplicate)', () => {
    expect(codes('[ALIASES]\nonlyname\n')).toEqual(['2:1 FW_ALIAS_SYNTAX']);
    expect(codes('[ALIASES]\n1x 10.0.0.1\n')).toEqual(['2:1 FW_NAME_INVALID']);
    expect(codes('[ALIASES]\nx1 10.0.0.1-10.0.0.2\n')).toEqual(['2:4 FW_ADDR_INVALID']);
    expect(codes('[ALIASES]\nx1 10.0.0.1\nX1 10.0.0.2\n')).toEqual(['3:1 FW_ALIAS_DUPLICATE']);
  });
});

describe('[IPSET]', () => {
  it('parses entries: nomatch, alias refs, comments, bare IP → host CIDR', () => {
    const r = parseFw('[IPSET s1]\n192.168.0.1 #mycomment\n! 10.0.0.0/8\n!fe80::1\nMyAlias\ndc/other\n', 'f.fw', 'cluster');
    expect(r.diagnostics).toEqual([]);
    expect(r.ast.ipsets[0]?.entries.map((e) => [e.nomatch, e.value, e.comment])).toEqual([
      [false, { kind: 'cidr', family: 4, cidr: '192.168.0.1/32' }, 'mycomment'],
      [true, { kind: 'cidr', family: 4, cidr: '10.0.0.0/8' }, undefined],
      [true, { kind: 'cidr', family: 6, cidr: 'fe80::1/128' }, undefined],
      [false, { kind: 'alias', scope: undefined, name: 'myalias' }, undefined],
      [false, { kind: 'alias', scope: 'dc', name: 'other' }, undefined],
    ]);
  });

  it('rejects /0, duplicates (also after normalisation), junk, ranges', () => {
    expect(codes('[IPSET s1]\n0.0.0.0/0\n::/0\n')).toEqual(['2:8 FW_IPSET_ZERO_PREFIX', '3:3 FW_IPSET_ZERO_PREFIX']);
    expect(codes('[IPSET s1]\n10.0.0.1\n10.0.0.1/32\n')).toEqual(['3:1 FW_IPSET_DUPLICATE']);
    expect(codes('[IPSET s1]\nfe80::1\nFE80:0::1\n')).toEqual(['3:1 FW_IPSET_DUPLICATE']);
    expect(codes('[IPSET s1]\n10.0.0.1 10.0.0.2\n')).toEqual(['2:1 FW_IPSET_ENTRY_INVALID']);
    expect(codes('[IPSET s1]\n! 10.0.0.999\n')).toEqual(['2:3 FW_IPSET_ENTRY_INVALID']);
    expect(codes('[IPSET s1]\n10.0.0.1-10.0.0.2\n')).toEqual(['2:1 FW_IPSET_ENTRY_INVALID']);
    expect(codes('[IPSET s1]\nguest/x1\n')).toEqual(['2:1 FW_SCOPE_INVALID']);
  });
});
