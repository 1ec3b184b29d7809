import type { NftJson } from '../nft/json.js';
import type { NftBackend } from '../../apply/backend.js';
import { NftError } from '../../apply/errors.js';
import { collectRefs } from './refs.js';
import { cloneKernel, type FakeKernel, type FakeTable } from './state.js';

type Obj = Record<string, unknown>;

class Fail extends Error {
  constructor(readonly errno: string) {
    super(errno);
  }
}

/**
 * An in-memory nft that behaves like the kernel where fwctl depends on it: a transaction is
 * atomic (all or nothing); a jump to a missing chain, a reference to a missing set or counter,
 * deleting something still referenced or missing, all fail the whole transaction.
 */
export class FakeNft implements NftBackend {
  kernel: FakeKernel = new Map();
  /** Every document received (check and apply), for tests that count what was sent. */
  readonly log: { op: 'check' | 'apply'; doc: NftJson }[] = [];
  /** Make the next apply fail (then clear), to test failure paths. */
  failNext?: string;

  check(doc: NftJson): Promise<void> {
    this.log.push({ op: 'check', doc });
    this.run(doc, 'E_NFT_CHECK');
    return Promise.resolve();
  }

  apply(doc: NftJson): Promise<void> {
    this.log.push({ op: 'apply', doc });
    if (this.failNext) {
      const errno = this.failNext;
      this.failNext = undefined;
      return Promise.reject(new NftError('E_NFT_APPLY', 1, `Error: injected ${errno}`, errno));
    }
    this.kernel = this.run(doc, 'E_NFT_APPLY');
    return Promise.resolve();
  }

  /** Rules of a chain as nft JSON expression lists (undefined when the chain does not exist). */
  rules(family: string, table: string, chain: string): unknown[][] | undefined {
    return this.kernel.get(`${family} ${table}`)?.chains.get(chain)?.rules;
  }

  elements(family: string, table: string, set: string): unknown[] | undefined {
    const s = this.kernel.get(`${family} ${table}`)?.sets.get(set);
    return s ? [...s.elems.values()] : undefined;
  }

  private run(doc: NftJson, code: 'E_NFT_CHECK' | 'E_NFT_APPLY'): FakeKernel {
    const k = cloneKernel(this.kernel);
    try {
      for (const cmd of doc.nftables as Obj[]) {
        const [verb, body] = Object.entries(cmd)[0] as [string, Obj];
        if (verb === 'metainfo') continue;
        const [kind, o] = Object.entries(body)[0] as [string, Obj];
        exec(k, verb, kind, o);
      }
      verifyRefs(k);
    } catch (e) {
      if (e instanceof Fail) throw new NftError(code, 1, `Error: Could not process rule: ${e.errno}`, e.errno);
      throw e;
    }
    return k;
  }
}

function table(k: FakeKernel, o: Obj): FakeTable {
  const t = k.get(`${String(o.family)} ${String(o.table)}`);
  if (!t) throw new Fail('ENOENT');
  return t;
}

function exec(k: FakeKernel, verb: string, kind: string, o: Obj): void {
  if (kind === 'table') {
    const key = `${String(o.family)} ${String(o.name)}`;
    if (verb === 'add') {
      if (!k.has(key)) k.set(key, { chains: new Map(), sets: new Map(), counters: new Set(), helpers: new Set() });
    } else if (verb === 'delete') {
      if (!k.delete(key)) throw new Fail('ENOENT');
    } else throw new Fail('EOPNOTSUPP');
    return;
  }
  const t = table(k, o);
  const name = String(o.name ?? o.chain);
  if (kind === 'chain') {
    const c = t.chains.get(name);
    if (verb === 'add') {
      if (!c) t.chains.set(name, { ...(o.hook ? { base: { hook: o.hook, prio: o.prio, policy: o.policy } } : {}), rules: [] });
    } else if (!c) throw new Fail('ENOENT');
    else if (verb === 'flush') c.rules = [];
    else if (verb === 'delete') {
      if (c.rules.length || referencedChain(t, name)) throw new Fail('EBUSY');
      t.chains.delete(name);
    }
    return;
  }
  if (kind === 'rule') {
    const c = t.chains.get(String(o.chain));
    if (!c) throw new Fail('ENOENT');
    if (verb !== 'add') throw new Fail('EOPNOTSUPP');
    checkRefs(t, o.expr);
    c.rules.push(o.expr as unknown[]);
    return;
  }
  if (kind === 'set' || kind === 'map') {
    const s = t.sets.get(name);
    if (verb === 'add') {
      const set = s ?? { ...(kind === 'map' ? { map: String(o.map) } : {}), elems: new Map<string, unknown>() };
      t.sets.set(name, set);
      addElems(t, set.elems, o.elem, kind === 'map');
    } else if (!s) throw new Fail('ENOENT');
    else if (verb === 'flush') s.elems.clear();
    else if (verb === 'delete') {
      if (referencedSet(t, name)) throw new Fail('EBUSY');
      t.sets.delete(name);
    }
    return;
  }
  if (kind === 'element') {
    const s = t.sets.get(name);
    if (!s) throw new Fail('ENOENT');
    if (verb === 'add') addElems(t, s.elems, o.elem, s.map !== undefined);
    else for (const e of (o.elem as unknown[]) ?? []) if (!s.elems.delete(JSON.stringify(s.map !== undefined && Array.isArray(e) ? e[0] : e))) throw new Fail('ENOENT');
    return;
  }
  if (kind === 'counter' || kind === 'ct helper') {
    const bag = kind === 'counter' ? t.counters : t.helpers;
    if (verb === 'add') bag.add(name);
    else if (!bag.delete(name)) throw new Fail('ENOENT');
    return;
  }
  throw new Fail('EOPNOTSUPP');
}

function addElems(t: FakeTable, elems: Map<string, unknown>, list: unknown, isMap: boolean): void {
  checkRefs(t, list);
  for (const e of (list as unknown[] | undefined) ?? []) {
    const key = isMap && Array.isArray(e) ? e[0] : e;
    const k = JSON.stringify(key);
    if (isMap && elems.has(k) && JSON.stringify(elems.get(k)) !== JSON.stringify(e)) throw new Fail('EEXIST');
    elems.set(k, e);
  }
}

function referencedChain(t: FakeTable, name: string): boolean {
  for (const c of t.chains.values()) if (c.rules.some((r) => collectRefs(r).chains.includes(name))) return true;
  for (const s of t.sets.values()) if (collectRefs([...s.elems.values()]).chains.includes(name)) return true;
  return false;
}

function referencedSet(t: FakeTable, name: string): boolean {
  for (const c of t.chains.values()) if (c.rules.some((r) => collectRefs(r).sets.includes(name))) return true;
  return false;
}

/** At commit the kernel has resolved every reference; a dangling one fails the transaction. */
function verifyRefs(k: FakeKernel): void {
  for (const t of k.values()) {
    for (const c of t.chains.values()) for (const r of c.rules) checkRefs(t, r);
    for (const s of t.sets.values()) checkRefs(t, [...s.elems.values()]);
  }
}

/** Like the kernel, references are resolved when a rule or element is added. */
function checkRefs(t: FakeTable, v: unknown): void {
  const r = collectRefs(v);
  if (r.chains.some((c) => !t.chains.has(c)) || r.sets.some((s) => !t.sets.has(s)) || r.counters.some((c) => !t.counters.has(c))) {
    throw new Fail('ENOENT');
  }
}
