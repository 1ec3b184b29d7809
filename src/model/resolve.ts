/**
 * ConfigTree + HostFacts → Policy. Pure and deterministic: the same input gives a deeply equal
 * output, diagnostics included (sorted by file, line, column, code).
 */
import type { ConfigTree, GuestConfAst, GuestFw } from '../config/ast.js';
import { Diagnostics, sortDiagnostics, type Diagnostic } from '../config/diagnostics.js';
import type { Guest, HostFacts, IpSet, Policy, SecurityGroup } from './policy.js';
import { aliasTable, withLocalNetwork } from './aliases.js';
import { Code } from './codes.js';
import { corosyncPeers } from './corosync.js';
import { ethertype } from './ethertypes.js';
import { guestNics } from './guests.js';
import { clusterEnabled, clusterOptions, guestOptions, hostOptions } from './options.js';
import { AddrMatches, resolveRules } from './rules.js';
import type { Scope, ScopeTable } from './scope.js';
import { clusterSets, guestSets } from './sets.js';
import { scopeKey, type GuestResolution, type ResolveMemo } from './memo.js';

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function resolve(tree: ConfigTree, facts: HostFacts, memo?: ResolveMemo): { policy: Policy; diagnostics: Diagnostic[] } {
  const diags = new Diagnostics();
  const cluster = clusterOptions(tree.cluster);

  const dcAliases = aliasTable(tree.cluster?.aliases ?? []);
  const localNetwork = withLocalNetwork(dcAliases, facts.localNetwork).cidr;
  const dcSets = clusterSets(tree.cluster?.ipsets ?? [], localNetwork, { cluster: { aliases: dcAliases, sets: new Map() } }, diags);
  const dc: ScopeTable = { aliases: dcAliases, sets: new Map(dcSets.map((s) => [s.name, s.id])) };
  const groupNames = new Set((tree.cluster?.groups ?? []).map((g) => g.name));
  const addrs = new AddrMatches();

  const groups: SecurityGroup[] = (tree.cluster?.groups ?? [])
    .map((g) => {
      const sg: SecurityGroup = { name: g.name, rules: resolveRules(g.rules, { kind: 'group', scope: { cluster: dc }, groups: groupNames, addrs }, diags) };
      if (g.comment !== undefined) sg.comment = g.comment;
      return sg;
    })
    .sort((a, b) => byString(a.name, b.name));

  // pve-firewall: host rules first, so that they can override the cluster-wide ones.
  const hostRules = [
    ...resolveRules(tree.host?.rules ?? [], { kind: 'host', scope: { cluster: dc }, groups: groupNames, addrs }, diags),
    ...resolveRules(tree.cluster?.rules ?? [], { kind: 'cluster', scope: { cluster: dc }, groups: groupNames, posOffset: tree.host?.rules.length ?? 0, addrs }, diags),
  ];

  const sets: IpSet[] = [...dcSets];
  const scope = memo ? scopeKey(dc, groupNames) : '';
  memo?.begin();
  const guests: Guest[] = [...tree.guests]
    .sort((a, b) => a.vmid - b.vmid)
    .map((conf) => {
      const make = (items: Diagnostic[]): GuestResolution => {
        const own = new Diagnostics();
        const r = resolveGuest(conf, tree, dc, groupNames, own, addrs);
        items.push(...own.items);
        return r;
      };
      const g = memo ? memo.guest(conf.vmid, conf, tree.guestFw.get(conf.vmid), scope, make, diags.items) : resolveGuest(conf, tree, dc, groupNames, diags, addrs);
      sets.push(...g.sets);
      return g.guest;
    });
  memo?.end();

  const policy: Policy = {
    node: tree.node,
    enabled: tree.cluster !== undefined && clusterEnabled(cluster.enable, facts.now),
    cluster,
    host: { enabled: tree.host === undefined || hostOptions(tree.host).enable, options: hostOptions(tree.host), rules: hostRules },
    sets: sets.sort((a, b) => byString(a.id, b.id)),
    groups,
    guests,
    corosync: corosyncPeers(tree.corosync, tree.node),
  };
  if (facts.hostIPv4 !== undefined) policy.hostIPv4 = facts.hostIPv4;
  if (facts.hostIPv6 !== undefined) policy.hostIPv6 = facts.hostIPv6;
  if (localNetwork !== undefined) policy.localNetwork = localNetwork;
  return { policy, diagnostics: sortDiagnostics(diags.items) };
}

function resolveGuest(
  conf: GuestConfAst,
  tree: ConfigTree,
  dc: ScopeTable,
  groups: ReadonlySet<string>,
  diags: Diagnostics,
  addrs: AddrMatches,
): { guest: Guest; sets: IpSet[] } {
  const fw = tree.guestFw.get(conf.vmid);
  const options = guestOptions(fw);
  const base = { vmid: conf.vmid, type: conf.type, enabled: fw !== undefined && options.enable, options };
  if (!fw) return { guest: { ...base, nics: guestNics(conf, undefined), rules: [] }, sets: [] };

  const own = { aliases: aliasTable(fw.aliases), sets: new Map<string, string>() };
  const scope: Scope = { cluster: dc, guest: own };
  const sets = guestSets(conf, fw, options.ipfilter, scope, diags);
  for (const s of sets) own.sets.set(s.name, s.id);
  const nics = new Set(conf.nics.map((n) => n.index));
  const rules = resolveRules(fw.rules, { kind: 'guest', scope, groups, nics, addrs }, diags);
  const guest: Guest = { ...base, nics: guestNics(conf, new Set(own.sets.keys())), rules };
  const types = options.layer2_protocols && ethertypes(options.layer2_protocols, fw, diags);
  if (types) guest.ethertypes = types;
  return { guest, sets };
}

/** pve-firewall rejects the whole option when one name is unknown: no layer-2 filter then. */
function ethertypes(names: readonly string[], fw: GuestFw, diags: Diagnostics): number[] | undefined {
  const out = new Set<number>();
  for (const name of names) {
    const t = ethertype(name);
    if (t === undefined) {
      const span = fw.optionSpans.layer2_protocols ?? { file: fw.file, line: 1, col: 1 };
      diags.error(span, Code.ethertypeUnknown, `unknown ethernet protocol type '${name}': layer2_protocols ignored`, 'use a name from /etc/ethertypes (IPv4, ARP, IPv6, ...) or its 4-digit hex id');
      return undefined;
    }
    out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}
