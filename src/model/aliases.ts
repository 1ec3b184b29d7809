/** Alias tables of a cluster or guest file, with the implicit cluster alias `local_network`. */
import type { AliasAst, IpFamily } from '../config/ast.js';
import type { ResolvedAlias } from './scope.js';
import { cidr } from './values.js';

export function aliasTable(aliases: readonly AliasAst[]): Map<string, ResolvedAlias> {
  const out = new Map<string, ResolvedAlias>();
  for (const a of aliases) {
    const c = cidr(a.value.cidr);
    out.set(a.name, { family: c.family, item: { kind: 'cidr', family: c.family, cidr: c.cidr } });
  }
  return out;
}

/**
 * local_network: the cluster alias of that name when defined, else the host fact. Returned so
 * that the table can carry it and the policy can report it.
 */
export function withLocalNetwork(table: Map<string, ResolvedAlias>, fact: string | undefined): { cidr?: string; family?: IpFamily } {
  const own = table.get('local_network');
  if (own && own.item.kind === 'cidr') return { cidr: own.item.cidr, family: own.family };
  if (fact === undefined) return {};
  const c = cidr(fact);
  table.set('local_network', { family: c.family, item: { kind: 'cidr', family: c.family, cidr: c.cidr } });
  return { cidr: c.cidr, family: c.family };
}
