import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDocument, type NftCommand } from '../../src/backend/nft/json.js';
import { TABLE } from '../../src/compiler/names.js';
import { NftCliBackend } from '../../src/apply/backend.js';
import { createNftBackend } from '../../src/apply/backend-factory.js';
import { NftLibBackend, loadNftNative } from '../../src/apply/backend-lib.js';
import { NftError } from '../../src/apply/errors.js';
import { SpawnExec } from '../../src/apply/exec.js';
import { removeSync, sweep, track, untrack } from '../../src/lab/cleanup.js';

const NS_LIB = 'fwtest-i-lib';
const NS_CLI = 'fwtest-i-cli';
const NS_B = 'fwtest-i-b';
const ALL = [NS_LIB, NS_CLI, NS_B];
const native = loadNftNative();

const T = { family: 'inet', table: TABLE };
const set = (op: 'add' | 'delete', name: string, elem: unknown[]): NftCommand => ({ [op]: { element: { ...T, name, elem } } });
const cidr = (addr: string, len: number): unknown => ({ prefix: { addr, len } });

/** A sequence of transactions touching what fwctl touches: tables, base chains, sets, rules, elements. */
const transactions: NftCommand[][] = [
  [
    { add: { table: { family: 'inet', name: TABLE } } },
    { add: { chain: { ...T, name: 'input', type: 'filter', hook: 'input', prio: 0, policy: 'accept' } } },
    { add: { chain: { ...T, name: 'guest-100' } } },
    { add: { set: { ...T, name: 'blacklist', type: 'ipv4_addr', flags: ['interval'] } } },
    { add: { set: { ...T, name: 'ports', type: 'inet_service' } } },
    { add: { rule: { ...T, chain: 'input', expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: '@blacklist' } }, { drop: null }] } } },
    { add: { rule: { ...T, chain: 'input', expr: [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: 'tap100i0' } }, { jump: { target: 'guest-100' } }] } } },
  ],
  [set('add', 'blacklist', ['10.9.0.1', cidr('10.8.0.0', 16)]), set('add', 'ports', [22, 80, 443])],
  [set('delete', 'blacklist', ['10.9.0.1']), set('add', 'blacklist', [{ range: ['10.7.0.10', '10.7.0.20'] }])],
  [
    { flush: { chain: { ...T, name: 'guest-100' } } },
    { add: { rule: { ...T, chain: 'guest-100', expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: '@ports' } }, { accept: null }] } } },
    { add: { rule: { ...T, chain: 'guest-100', expr: [{ counter: { packets: 0, bytes: 0 } }, { reject: null }] } } },
  ],
  [set('delete', 'ports', [80]), set('delete', 'blacklist', [cidr('10.8.0.0', 16)])],
];

function nftJson(ns: string | undefined, args: string[]): unknown {
  const argv = ns ? ['netns', 'exec', ns, 'nft', '-j', ...args] : ['nft', '-j', ...args];
  return JSON.parse(execFileSync(ns ? 'ip' : argv[0]!, ns ? argv : argv.slice(1), { encoding: 'utf8' })) as unknown;
}

/** The namespace's ruleset without metainfo and handles (numbering is not state). */
function ruleset(ns: string): unknown[] {
  const doc = nftJson(ns, ['list', 'ruleset']) as { nftables: Record<string, unknown>[] };
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'handle').map(([k, x]) => [k, strip(x)]));
  };
  return doc.nftables.filter((o) => !('metainfo' in o)).map(strip);
}

function tableNames(ns?: string): string[] {
  const doc = nftJson(ns, ['list', 'tables']) as { nftables: { table?: { family: string; name: string } }[] };
  return doc.nftables.flatMap((o) => (o.table ? [`${o.table.family} ${o.table.name}`] : []));
}

describe.skipIf(!native)('in-process nft (libnftables) backend', () => {
  let lib: NftLibBackend;
  let cli: NftCliBackend;

  beforeAll(() => {
    sweep('fwtest-i-');
    for (const ns of ALL) {
      execFileSync('ip', ['netns', 'add', ns]);
      track(ns);
    }
    lib = new NftLibBackend(native!, { netns: NS_LIB });
    cli = new NftCliBackend(new SpawnExec({ netns: NS_CLI }));
  });

  afterAll(async () => {
    await lib?.close();
    for (const ns of ALL) {
      removeSync(ns);
      untrack(ns);
    }
  });

  it('the default backend is the library; FWCTL_NFT=cli forces the CLI', () => {
    expect(createNftBackend({ netns: NS_LIB, env: {} })).toBeInstanceOf(NftLibBackend);
    expect(createNftBackend({ netns: NS_LIB, env: { FWCTL_NFT: 'cli' } })).toBeInstanceOf(NftCliBackend);
    expect(createNftBackend({ netns: NS_LIB, kind: 'cli', env: {} })).toBeInstanceOf(NftCliBackend);
  });

  it('produces the same kernel state as the CLI, transaction by transaction', async () => {
    for (const [i, cmds] of transactions.entries()) {
      const doc = toDocument(cmds);
      await lib.check(doc);
      await lib.apply(doc);
      await cli.check(doc);
      await cli.apply(doc);
      const [a, b] = [ruleset(NS_LIB), ruleset(NS_CLI)];
      expect(a, `after transaction ${i}`).toEqual(b);
      expect(a.length).toBeGreaterThan(0);
    }
    const elems = (ruleset(NS_LIB).find((o) => (o as { set?: { name: string } }).set?.name === 'blacklist') as { set: { elem: unknown[] } }).set.elem;
    expect(elems).toEqual([{ range: ['10.7.0.10', '10.7.0.20'] }]);
  });

  it('check mode commits nothing', async () => {
    const before = ruleset(NS_LIB);
    await lib.check(toDocument([set('add', 'blacklist', ['10.6.0.1']), { add: { table: { family: 'ip', name: 'fwtest_i_check' } } }]));
    expect(ruleset(NS_LIB)).toEqual(before);
  });

  it('an invalid transaction throws a typed error and changes nothing, in check and in apply', async () => {
    const before = ruleset(NS_LIB);
    // valid first command, then an element that does not exist: all or nothing
    const doc = toDocument([set('add', 'blacklist', ['10.5.0.1']), set('delete', 'ports', [8080])]);
    for (const [op, code] of [['check', 'E_NFT_CHECK'], ['apply', 'E_NFT_APPLY']] as const) {
      const err = await lib[op](doc).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(NftError);
      expect((err as NftError).code).toBe(code);
      expect((err as NftError).errno).toBe('ENOENT');
      expect((err as NftError).stderr).toMatch(/Error/);
      expect(ruleset(NS_LIB)).toEqual(before);
    }
    const cliErr = await cli.apply(doc).then(() => undefined, (e: unknown) => e);
    expect((cliErr as NftError).errno).toBe((await lib.apply(doc).catch((e: unknown) => e) as NftError).errno);
    // the context still works after a failure
    await lib.apply(toDocument([set('add', 'ports', [8080])]));
    await lib.apply(toDocument([set('delete', 'ports', [8080])]));
    expect(ruleset(NS_LIB)).toEqual(before);
  });

  it('a missing namespace is a typed error; a bad name never crosses', async () => {
    const gone = new NftLibBackend(native!, { netns: 'fwtest-i-none' });
    const err = await gone.apply(toDocument([{ add: { table: { family: 'inet', name: 'x' } } }])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NftError);
    expect((err as NftError).code).toBe('E_NFT_SPAWN');
    expect((err as NftError).errno).toBe('ENOENT');
    expect(() => new NftLibBackend(native!, { netns: '../x' })).toThrow(expect.objectContaining({ code: 'E_BAD_ARGUMENT' }));
  });

  it('applies only inside its namespace: not in another one, not in the root namespace', async () => {
    const b = new NftLibBackend(native!, { netns: NS_B });
    try {
      expect(tableNames(NS_B)).toEqual([]);
      await lib.apply(toDocument([set('add', 'ports', [9999])]));
      expect(tableNames(NS_B)).toEqual([]);
      await b.apply(toDocument([{ add: { table: { family: 'bridge', name: TABLE } } }]));
      expect(tableNames(NS_B)).toEqual([`bridge ${TABLE}`]);
      expect(tableNames(NS_LIB)).toEqual([`inet ${TABLE}`]);
      const root = tableNames();
      expect(root).not.toContain(`inet ${TABLE}`);
      expect(root).not.toContain(`bridge ${TABLE}`);
    } finally {
      await b.close();
    }
  });

  it('follows a namespace name to a recreated namespace', async () => {
    const b = new NftLibBackend(native!, { netns: NS_B });
    await b.apply(toDocument([{ add: { table: { family: 'ip', name: 'first' } } }]));
    execFileSync('ip', ['netns', 'del', NS_B]);
    execFileSync('ip', ['netns', 'add', NS_B]);
    await b.apply(toDocument([{ add: { table: { family: 'ip', name: 'second' } } }]));
    expect(tableNames(NS_B)).toEqual(['ip second']);
    expect(await native!.nftRelease(NS_B)).toBe(true);
    expect(await native!.nftRelease(NS_B)).toBe(false);
  });
});
