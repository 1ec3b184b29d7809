/** Hand-built ASTs for model tests (the parser has its own tests). */
import type { AddrSpec, AliasAst, ClusterFw, ConfigTree, GuestConfAst, GuestFw, HostFw, IpSetAst, IpSetEntryAst, NicAst, RuleAst } from '../../../src/config/ast.js';
import type { Span } from '../../../src/config/diagnostics.js';
import type { HostFacts } from '../../../src/model/policy.js';

export const CLUSTER = 'firewall/cluster.fw';
export const HOST = 'nodes/n1/host.fw';
export const sp = (file: string, line: number, col = 1): Span => ({ file, line, col });

let line = 100;
export function rule(file: string, r: Partial<RuleAst> & Pick<RuleAst, 'type'>): RuleAst {
  const l = line++;
  return { span: sp(file, l), enabled: true, spans: { source: sp(file, l, 20), dest: sp(file, l, 40), iface: sp(file, l, 10), action: sp(file, l, 4) }, ...r };
}

export const lit = (cidr: string, family: 4 | 6 = 4): AddrSpec => ({ kind: 'literal', family, items: [{ kind: 'cidr', family, cidr }] });
export const aliasRef = (name: string, scope?: 'dc' | 'guest'): AddrSpec => ({ kind: 'alias', scope, name });
export const setRef = (name: string, scope?: 'dc' | 'guest'): AddrSpec => ({ kind: 'ipset', scope, name });
export const tcp = { name: 'tcp', num: 6 };
export const udp = { name: 'udp', num: 17 };

export const alias = (file: string, name: string, cidr: string, family: 4 | 6 = 4): AliasAst => ({ span: sp(file, 5), name, value: { kind: 'cidr', family, cidr } });

export function ipset(file: string, name: string, entries: (string | { alias: string; scope?: 'dc' | 'guest' } | { nomatch: string })[]): IpSetAst {
  return {
    span: sp(file, 10),
    name,
    entries: entries.map((e, i): IpSetEntryAst => {
      const span = sp(file, 11 + i);
      if (typeof e === 'string') return { span, nomatch: false, value: { kind: 'cidr', family: e.includes(':') ? 6 : 4, cidr: e } };
      if ('alias' in e) return { span, nomatch: false, value: { kind: 'alias', scope: e.scope, name: e.alias } };
      return { span, nomatch: true, value: { kind: 'cidr', family: e.nomatch.includes(':') ? 6 : 4, cidr: e.nomatch } };
    }),
  };
}

const base = { aliases: [], ipsets: [], rules: [], groups: [], optionSpans: {} };
export const clusterFw = (p: Partial<ClusterFw> = {}): ClusterFw => ({ ...base, kind: 'cluster', file: CLUSTER, options: { enable: { kind: 'on' } }, ...p });
export const hostFw = (p: Partial<HostFw> = {}): HostFw => ({ ...base, kind: 'host', file: HOST, options: {}, ...p });
export const guestFw = (vmid: number, p: Partial<GuestFw> = {}): GuestFw => ({ ...base, kind: 'guest', vmid, file: `firewall/${vmid}.fw`, options: { enable: true }, ...p });

export function nic(index: number, p: Partial<NicAst> = {}): NicAst {
  return { span: sp('conf', index + 1), index, firewall: true, linkDown: false, mac: '0E:0B:38:B8:B3:21', bridge: 'vmbr0', ...p };
}
export const qemu = (vmid: number, nics: NicAst[]): GuestConfAst => ({ file: `nodes/n1/qemu-server/${vmid}.conf`, vmid, type: 'qemu', node: 'n1', nics });
export const lxc = (vmid: number, nics: NicAst[]): GuestConfAst => ({ file: `nodes/n1/lxc/${vmid}.conf`, vmid, type: 'lxc', node: 'n1', nics });

export function tree(p: Partial<ConfigTree> = {}): ConfigTree {
  return { node: 'n1', cluster: clusterFw(), guestFw: new Map(), guests: [], ...p };
}

export const facts: HostFacts = { node: 'n1', hostIPv4: '172.16.1.2', localNetwork: '172.16.1.0/24', now: 1_700_000_000 };
