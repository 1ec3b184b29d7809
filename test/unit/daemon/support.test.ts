import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { claimPending, confirmAll, listPending, writePending } from '../../../src/daemon/confirm.js';
import { RateLimiter } from '../../../src/daemon/rate-limit.js';
import { changedPaths, readSource, sameHashes } from '../../../src/daemon/source.js';
import { loadLastGood, saveLastGood, stateFile } from '../../../src/daemon/state-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fwctl-unit-support-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('RateLimiter', () => {
  it('lets one per key per interval through and reports how many it held back', () => {
    let t = 0;
    const r = new RateLimiter(1000, () => t);
    expect(r.allow('a')).toBe(0);
    expect(r.allow('a')).toBeUndefined();
    expect(r.allow('b')).toBe(0);
    expect(r.allow('a')).toBeUndefined();
    t = 1000;
    expect(r.allow('a')).toBe(2);
  });
});

describe('state store', () => {
  const ruleset = { tables: [{ family: 'inet' as const, name: 'fwctl', chains: [], sets: [], maps: [], counters: [] }] };
  it('round-trips and leaves no temp file behind', async () => {
    await saveLastGood(dir, { version: 1, generation: 7, appliedAt: 1, hashes: { a: 'x' }, applied: { version: 1, ruleset } });
    expect(loadLastGood(dir)).toMatchObject({ generation: 7, hashes: { a: 'x' }, applied: { ruleset } });
    expect(readdirSync(dir)).toEqual(['last-good.json']);
  });
  it('a corrupt or foreign file reads as "none"', () => {
    writeFileSync(stateFile(dir), '{"version":1,"generation":');
    expect(loadLastGood(dir)).toBeUndefined();
    writeFileSync(stateFile(dir), JSON.stringify({ version: 2, generation: 1, hashes: {}, applied: { version: 1, ruleset } }));
    expect(loadLastGood(dir)).toBeUndefined();
  });
  it('a failed write is a typed StateError', async () => {
    await expect(saveLastGood(join(dir, 'nope'), { version: 1, generation: 1, appliedAt: 1, hashes: {}, applied: { version: 1, ruleset } }))
      .rejects.toMatchObject({ name: 'StateError', code: 'ENOENT' });
  });
});

describe('readSource', () => {
  it('hashes what it read; an absent, empty or non-directory root is unavailable, not empty', () => {
    expect(readSource(join(dir, 'absent'), 'pve1')).toMatchObject({ ok: false, code: 'ENOENT' });
    mkdirSync(join(dir, 'cfg'));
    expect(readSource(join(dir, 'cfg'), 'pve1')).toMatchObject({ ok: false, code: 'EEMPTY' });
    writeFileSync(join(dir, 'file'), '');
    expect(readSource(join(dir, 'file'), 'pve1')).toMatchObject({ ok: false, code: 'ENOTDIR' });
    mkdirSync(join(dir, 'cfg/firewall'));
    writeFileSync(join(dir, 'cfg/firewall/cluster.fw'), '[OPTIONS]\nenable: 1\n');
    const a = readSource(join(dir, 'cfg'), 'pve1');
    expect(a.ok && Object.keys(a.hashes)).toEqual(['firewall/cluster.fw']);
    writeFileSync(join(dir, 'cfg/firewall/cluster.fw'), '[OPTIONS]\nenable: 0\n');
    const b = readSource(join(dir, 'cfg'), 'pve1');
    if (!a.ok || !b.ok) throw new Error('unreadable');
    expect(sameHashes(a.hashes, b.hashes)).toBe(false);
    expect(sameHashes(a.hashes, a.hashes)).toBe(true);
    expect(changedPaths(a.hashes, b.hashes)).toEqual(['firewall/cluster.fw']);
  });
  it('an unreadable file (EACCES-like) is a read failure, not a missing file', () => {
    mkdirSync(join(dir, 'cfg/firewall'), { recursive: true });
    mkdirSync(join(dir, 'cfg/firewall/cluster.fw')); // EISDIR on read
    expect(readSource(join(dir, 'cfg'), 'pve1')).toMatchObject({ ok: false, code: 'EISDIR', path: 'firewall/cluster.fw' });
  });
});

describe('pending confirmations', () => {
  it('confirm removes what the timer would claim; a claim is exclusive', async () => {
    await writePending(dir, { id: 'a1', deadline: 5, previous: null });
    await writePending(dir, { id: 'b2', deadline: 3, previous: null });
    expect(listPending(dir).map((p) => p.id)).toEqual(['b2', 'a1']);
    expect(await claimPending(dir, 'b2')).toMatchObject({ id: 'b2', previous: null });
    expect(await claimPending(dir, 'b2')).toBeUndefined();
    expect(await confirmAll(dir)).toBe(1);
    expect(await claimPending(dir, 'a1')).toBeUndefined();
    expect(await confirmAll(dir)).toBe(0);
  });
});
