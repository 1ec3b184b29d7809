import type { Chain, Rule, Ruleset, Statement } from '../../../src/compiler/ruleset.js';

/**
 * A hand-written ruleset of the dataplane shape validated in /work/notes/kernel-findings.md,
 * parameterised so tests can change one guest or one set.
 */
export interface SampleOpts {
  g100Ports?: number[]; // accepted TCP ports into guest 100
  g100Reject?: number[]; // rejected TCP ports into guest 100
  blacklist?: string[];
  g200Ports?: number[];
  comment?: string;
}

const mark = { meta: { key: 'mark' as const } };
const inPort = (id: number): Statement => ({ match: { op: '==', left: { '&': [mark, 0xffff] }, right: id } });
const outPort = (id: number): Statement => ({ match: { op: '==', left: { '&': [mark, 0xffff0000] }, right: id << 16 } });
const tcpDport = (ports: number[]): Statement => ({
  match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { set: ports } },
});
const ctState = (states: string[]): Statement => ({ match: { op: 'in', left: { ct: { key: 'state' } }, right: { set: states } } });
const nd: Statement = {
  match: {
    op: '==',
    left: { payload: { protocol: 'icmpv6', field: 'type' } },
    right: { set: ['nd-neighbor-solicit', 'nd-neighbor-advert', 'nd-router-solicit', 'nd-router-advert', 'echo-request'] },
  },
};
const r = (...expr: Statement[]): Rule => ({ expr });

function guestIn(vmid: number, accept: number[], reject: number[], comment?: string): Chain {
  const rules: Rule[] = [r(ctState(['established', 'related']), { accept: null }), r(ctState(['invalid']), { drop: null }), r(nd, { accept: null })];
  if (accept.length) rules.push({ expr: [tcpDport(accept), { accept: null }], ...(comment ? { comment } : {}) });
  if (reject.length) rules.push(r(tcpDport(reject), { reject: { type: 'tcp reset' } }));
  rules.push(r({ match: { op: '==', left: { payload: { protocol: 'icmp', field: 'type' } }, right: 'echo-request' } }, { accept: null }));
  rules.push(r({ counter: null }, { drop: null }));
  return { name: `g${vmid}-in`, owner: `guest/${vmid}`, rules };
}

function guestOut(vmid: number): Chain {
  // falls through (return) so that the destination's IN chain still decides
  return { name: `g${vmid}-out`, owner: `guest/${vmid}`, rules: [r(ctState(['invalid']), { drop: null })] };
}

export function sampleRuleset(o: SampleOpts = {}): Ruleset {
  return {
    tables: [
      {
        family: 'bridge',
        name: 'fwctl',
        sets: [],
        counters: [],
        maps: [
          {
            name: 'in_ports',
            type: 'ifname',
            kind: 'data',
            dataType: 'mark',
            flags: [],
            owner: 'core',
            entries: [
              { key: 'tap100i0', value: 1 },
              { key: 'veth200i0', value: 2 },
              { key: 'eth0', value: 3 },
            ],
          },
          {
            name: 'out_ports',
            type: 'ifname',
            kind: 'vmap',
            flags: [],
            owner: 'core',
            entries: [
              { key: 'tap100i0', value: { jump: { target: 'o-tap100i0' } } },
              { key: 'veth200i0', value: { jump: { target: 'o-veth200i0' } } },
            ],
          },
        ],
        chains: [
          { name: 'o-tap100i0', owner: 'core', rules: [r({ mangle: { key: mark, value: { '|': [mark, 0x10000] } } })] },
          { name: 'o-veth200i0', owner: 'core', rules: [r({ mangle: { key: mark, value: { '|': [mark, 0x20000] } } })] },
          {
            name: 'pre',
            owner: 'core',
            base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' },
            rules: [r({ mangle: { key: mark, value: { map: { key: { meta: { key: 'iifname' } }, data: { ref: 'in_ports' } } } } })],
          },
          {
            name: 'egress',
            owner: 'core',
            base: { type: 'filter', hook: 'forward', priority: -100, policy: 'accept' },
            rules: [r({ vmap: { key: { meta: { key: 'oifname' } }, data: { ref: 'out_ports' } } })],
          },
        ],
      },
      {
        family: 'inet',
        name: 'fwctl',
        counters: [],
        maps: [],
        sets: [
          {
            name: 'dc-blacklist-v4',
            type: 'ipv4_addr',
            flags: ['interval'],
            owner: 'core',
            source: 'dc/blacklist',
            elements: (o.blacklist ?? []).map((a) => (a.includes('/') ? { prefix: { addr: a.split('/')[0] as string, len: Number(a.split('/')[1]) } } : a)),
          },
        ],
        chains: [
          {
            name: 'forward',
            owner: 'core',
            base: { type: 'filter', hook: 'forward', priority: 0, policy: 'accept' },
            rules: [
              r({ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { ref: 'dc-blacklist-v4' } } }, { drop: null }),
              r(inPort(1), { jump: { target: 'g100-out' } }),
              r(outPort(1), { jump: { target: 'g100-in' } }),
              r(inPort(2), { jump: { target: 'g200-out' } }),
              r(outPort(2), { jump: { target: 'g200-in' } }),
            ],
          },
          guestIn(100, o.g100Ports ?? [22], o.g100Reject ?? [23], o.comment),
          guestOut(100),
          guestIn(200, o.g200Ports ?? [80], []),
          guestOut(200),
        ],
      },
    ],
  };
}
