/**
 * IP sets of the policy: the cluster's (`dc/<name>`, with the standard `management` and
 * `blacklist`) and each firewalled guest's (`guest/<vmid>/<name>`, with the anti-spoofing
 * `ipfilter-net<N>` sets pve-firewall fills from the NIC's MAC and, for containers, its address).
 */
import type { AddrItem, GuestConfAst, GuestFw, IpSetAst, IpSetEntryAst, NicAst } from '../config/ast.js';
import type { Diagnostics } from '../config/diagnostics.js';
import type { IpSet, SetEntry } from './policy.js';
import { Code } from './codes.js';
import { lookupAlias, type Scope } from './scope.js';
import { cidr, itemKey, macAddr, macToLinkLocal, normalizeItem, ValueError } from './values.js';

export const clusterSetId = (name: string): string => `dc/${name}`;
export const guestSetId = (vmid: number, name: string): string => `guest/${vmid}/${name}`;
export const ipfilterName = (nic: number): string => `ipfilter-net${nic}`;

function resolveEntry(e: IpSetEntryAst, scope: Scope, diags: Diagnostics): SetEntry | undefined {
  let item: AddrItem;
  if (e.value.kind === 'alias') {
    const a = lookupAlias(scope, e.value.scope, e.value.name);
    if (!a.ok) {
      diags.error(e.span, a.code, a.message);
      return undefined;
    }
    item = a.value.item;
  } else {
    try {
      item = normalizeItem(e.value);
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
      diags.error(e.span, Code.ipsetEntryInvalid, `invalid IP set entry '${err.value}'`);
      return undefined;
    }
    if (item.kind === 'cidr' && /\/0+$/.test(item.cidr)) {
      diags.error(e.span, Code.ipsetZeroPrefix, 'a zero prefix is not allowed in IP set entries');
      return undefined;
    }
  }
  const out: SetEntry = { item, nomatch: e.nomatch };
  if (e.comment !== undefined) out.comment = e.comment;
  return out;
}

/** Same address twice: one entry, at its first place, with the last `nomatch` (as pve's hash). */
function dedupe(entries: SetEntry[]): SetEntry[] {
  const byKey = new Map<string, SetEntry>();
  for (const e of entries) {
    const key = itemKey(e.item);
    const seen = byKey.get(key);
    if (seen) seen.nomatch = e.nomatch;
    else byKey.set(key, { ...e });
  }
  return [...byKey.values()];
}

function makeSet(base: Omit<IpSet, 'entries'>, entries: SetEntry[]): IpSet {
  return { ...base, entries: dedupe(entries) };
}

function fromAst(ast: IpSetAst, base: Omit<IpSet, 'entries' | 'name'>, scope: Scope, diags: Diagnostics, extra: SetEntry[] = []): IpSet {
  const entries = ast.entries.map((e) => resolveEntry(e, scope, diags)).filter((e): e is SetEntry => e !== undefined);
  const set: Omit<IpSet, 'entries'> = { ...base, name: ast.name, span: ast.span };
  if (ast.comment !== undefined) set.comment = ast.comment;
  return makeSet(set, [...entries, ...extra]);
}

const hostEntry = (text: string, nomatch = false): SetEntry => {
  const c = cidr(text);
  return { item: { kind: 'cidr', family: c.family, cidr: c.cidr }, nomatch };
};

export function clusterSets(ipsets: readonly IpSetAst[], localNetwork: string | undefined, scope: Scope, diags: Diagnostics): IpSet[] {
  const out = new Map<string, IpSet>();
  for (const ast of ipsets) {
    const extra = ast.name === 'management' && localNetwork !== undefined ? [hostEntry(localNetwork)] : [];
    out.set(ast.name, fromAst(ast, { id: clusterSetId(ast.name), scope: 'dc' }, scope, diags, extra));
  }
  if (!out.has('management')) {
    out.set('management', makeSet({ id: clusterSetId('management'), scope: 'dc', name: 'management' }, localNetwork !== undefined ? [hostEntry(localNetwork)] : []));
  }
  if (!out.has('blacklist')) out.set('blacklist', makeSet({ id: clusterSetId('blacklist'), scope: 'dc', name: 'blacklist' }, []));
  return [...out.values()];
}

/** What pve-firewall adds to a NIC's ipfilter set: its link-local address, `!fe80::/10`, a CT's static IPs. */
export function nicFilterEntries(conf: GuestConfAst, nic: NicAst): SetEntry[] {
  const out: SetEntry[] = [];
  if (nic.mac !== undefined) {
    try {
      out.push(hostEntry(macToLinkLocal(macAddr(nic.mac))));
    } catch (err) {
      if (!(err instanceof ValueError)) throw err;
    }
  }
  out.push(hostEntry('fe80::/10', true));
  if (conf.type === 'lxc') {
    for (const ip of [nic.ip, nic.ip6]) {
      const addr = ip?.split('/')[0];
      if (addr === undefined) continue;
      try {
        out.push(hostEntry(addr));
      } catch (err) {
        if (!(err instanceof ValueError)) throw err; // dhcp, auto, manual
      }
    }
  }
  return out;
}

/** The guest's sets, explicit and implied (`ipfilter: 1` without an explicit set). */
export function guestSets(conf: GuestConfAst, fw: GuestFw, ipfilter: boolean, scope: Scope, diags: Diagnostics): IpSet[] {
  const vmid = conf.vmid;
  const filtered = new Map(conf.nics.filter((n) => n.firewall).map((n) => [ipfilterName(n.index), n]));
  const out = new Map<string, IpSet>();
  for (const ast of fw.ipsets) {
    const nic = filtered.get(ast.name);
    const extra = nic ? nicFilterEntries(conf, nic) : [];
    out.set(ast.name, fromAst(ast, { id: guestSetId(vmid, ast.name), scope: 'guest', vmid }, scope, diags, extra));
  }
  if (ipfilter) {
    for (const [name, nic] of filtered) {
      if (out.has(name)) continue;
      out.set(name, makeSet({ id: guestSetId(vmid, name), scope: 'guest', vmid, name }, nicFilterEntries(conf, nic)));
    }
  }
  return [...out.values()];
}
