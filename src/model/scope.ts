/**
 * Name lookup for rule and IP set references, with pve-firewall's order: a bare name is looked
 * up in the guest's file first, then in the cluster file; `guest/` and `dc/` pin the scope.
 */
import type { AddrItem, IpFamily, RefScope } from '../config/ast.js';
import { Code, type ModelCode } from './codes.js';

export interface ResolvedAlias {
  family: IpFamily;
  item: AddrItem;
}

export interface ScopeTable {
  aliases: ReadonlyMap<string, ResolvedAlias>;
  /** Set name → policy set id. */
  sets: ReadonlyMap<string, string>;
}

export interface Scope {
  cluster: ScopeTable;
  /** Present for guest rules and guest IP sets only. */
  guest?: ScopeTable;
}

export type Lookup<T> = { ok: true; value: T } | { ok: false; code: ModelCode; message: string };

function find<T>(scope: Scope, ref: RefScope, name: string, pick: (t: ScopeTable) => ReadonlyMap<string, T>, what: string, unknown: ModelCode): Lookup<T> {
  if (ref === 'guest' && !scope.guest) {
    return { ok: false, code: Code.scopeNotAllowed, message: `'guest/${name}': guest-scoped ${what}s can only be used in a guest's rules` };
  }
  const tables = ref === 'guest' ? [scope.guest] : ref === 'dc' ? [scope.cluster] : [scope.guest, scope.cluster];
  for (const t of tables) {
    const v = t ? pick(t).get(name) : undefined;
    if (v !== undefined) return { ok: true, value: v };
  }
  const shown = ref ? `${ref}/${name}` : name;
  return { ok: false, code: unknown, message: `no such ${what} '${shown}'` };
}

export function lookupAlias(scope: Scope, ref: RefScope, name: string): Lookup<ResolvedAlias> {
  return find(scope, ref, name, (t) => t.aliases, 'alias', Code.aliasUnknown);
}

export function lookupSet(scope: Scope, ref: RefScope, name: string): Lookup<string> {
  return find(scope, ref, name, (t) => t.sets, 'ipset', Code.ipsetUnknown);
}
