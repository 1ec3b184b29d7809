import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { track, untrack } from '../../src/lab/cleanup.js';
import { IpLinkCounters, NetlinkLinkCounters, type LinkCounters } from '../../src/kernel/links.js';
import { requireNative, type NativeAddon } from '../../src/kernel/native.js';
import { NetnsHandle } from '../../src/kernel/netns.js';

const NS = 'fwtest-h1-links';

function ip(args: string[], input?: string): void {
  execFileSync('ip', ['-n', NS, ...args], input === undefined ? { stdio: 'ignore' } : { input, stdio: ['pipe', 'ignore', 'inherit'] });
}

function addPairs(from: number, to: number): void {
  const lines: string[] = [];
  for (let v = from; v <= to; v++) lines.push(`link add tap${v}i0 type veth peer name p${v}`);
  ip(['-batch', '-'], `${lines.join('\n')}\n`);
}

const byName = (links: LinkCounters[]) => new Map(links.map((l) => [l.name, l]));
const names = (links: LinkCounters[]) => links.map((l) => l.name).sort();

describe('netlink link counters (persistent socket, reused row buffer)', () => {
  beforeAll(() => {
    try {
      execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
    } catch {
      // not there
    }
    execFileSync('ip', ['netns', 'add', NS]);
    track(NS);
  });

  afterAll(() => {
    execFileSync('ip', ['netns', 'del', NS], { stdio: 'ignore' });
    untrack(NS);
  });

  it('follows links as they come and go past the row buffer, and agrees with ip -s -j link', async () => {
    const nl = new NetlinkLinkCounters(requireNative(), { netns: NS });
    const fallback = new IpLinkCounters({ netns: NS });
    try {
      const first = await nl.read();
      expect(names(first)).toEqual(['lo']);
      // far more rows than the first buffer's headroom: the addon hands back a larger buffer
      addPairs(1, 150);
      ip(['link', 'add', 'vmbr0', 'type', 'bridge']);
      ip(['link', 'set', 'tap7i0', 'master', 'vmbr0']);
      const grown = await nl.read();
      expect(grown).toHaveLength(302);
      expect(names(grown)).toEqual(names(await fallback.read()));
      expect(byName(grown).get('tap7i0')?.master).toBe('vmbr0');
      expect(byName(grown).get('tap8i0')?.master).toBeUndefined();
      // the first result was not overwritten by the reused buffer
      expect(names(first)).toEqual(['lo']);
      ip(['link', 'del', 'tap150i0']);
      const shrunk = await nl.read();
      expect(shrunk).toHaveLength(300);
      expect(byName(shrunk).has('tap150i0')).toBe(false);
      expect(byName(shrunk).get('tap149i0')?.ifindex).toBe(byName(grown).get('tap149i0')?.ifindex);
    } finally {
      nl.close();
    }
  });

  it('serializes concurrent reads and keeps each result intact', async () => {
    const nl = new NetlinkLinkCounters(requireNative(), { netns: NS });
    try {
      const before = await nl.read();
      ip(['addr', 'add', '10.201.3.1/24', 'dev', 'tap3i0']);
      ip(['link', 'set', 'tap3i0', 'up']);
      ip(['link', 'set', 'p3', 'up']);
      // three broadcast echo requests leave through tap3i0 (no ARP needed)
      spawnSync('ip', ['netns', 'exec', NS, 'ping', '-b', '-c', '3', '-i', '0.05', '-W', '0.2', '-I', 'tap3i0', '10.201.3.255'], { stdio: 'ignore' });
      const results = await Promise.all([nl.read(), nl.read(), nl.read(), nl.read()]);
      const tx = results.map((r) => byName(r).get('tap3i0')!.txPackets);
      expect(tx[0]).toBeGreaterThanOrEqual(3);
      for (const r of results) expect(names(r)).toEqual(names(before));
      // counters never go backwards from one read to the next, so no read saw another's rows
      for (let i = 1; i < tx.length; i++) expect(tx[i]).toBeGreaterThanOrEqual(tx[i - 1]!);
      expect(byName(before).get('tap3i0')!.txPackets).toBe(0);
    } finally {
      nl.close();
    }
  });

  it('picks up a rename on the next names refresh', async () => {
    const nl = new NetlinkLinkCounters(requireNative(), { netns: NS });
    try {
      const ifindex = byName(await nl.read()).get('tap9i0')!.ifindex;
      ip(['link', 'set', 'tap9i0', 'name', 'tap9i1']);
      expect(byName(await nl.read()).get('tap9i0')?.ifindex).toBe(ifindex); // cached names
      nl.invalidate();
      const after = byName(await nl.read());
      expect(after.has('tap9i0')).toBe(false);
      expect(after.get('tap9i1')?.ifindex).toBe(ifindex);
    } finally {
      nl.close();
    }
  });

  it('looks up a few new links one by one, drops links gone, and dumps all names when many came', async () => {
    const real = requireNative();
    const lookups: (number[] | undefined)[] = [];
    const addon: NativeAddon = {
      ...real,
      linkNames: (nsFd, sock, ifindexes) => {
        lookups.push(ifindexes && [...ifindexes].sort((a, b) => a - b));
        return real.linkNames(nsFd, sock, ifindexes);
      },
    };
    const nl = new NetlinkLinkCounters(addon, { netns: NS });
    try {
      const start = byName(await nl.read());
      expect(lookups).toEqual([undefined]);
      addPairs(200, 201);
      ip(['link', 'set', 'tap200i0', 'master', 'vmbr0']);
      const added = byName(await nl.read());
      const fresh = ['tap200i0', 'p200', 'tap201i0', 'p201'].map((n) => added.get(n)!.ifindex).sort((a, b) => a - b);
      expect(lookups).toEqual([undefined, fresh]);
      expect(added.get('tap200i0')?.master).toBe('vmbr0');
      expect(added.size).toBe(start.size + 4);
      ip(['link', 'del', 'tap201i0']);
      const removed = byName(await nl.read());
      expect(lookups).toHaveLength(2);
      expect(removed.has('tap201i0') || removed.has('p201')).toBe(false);
      expect(removed.size).toBe(start.size + 2);
      addPairs(300, 399);
      expect((await nl.read()).length).toBe(start.size + 202);
      expect(lookups).toEqual([undefined, fresh, undefined]);
    } finally {
      nl.close();
    }
  });

  it('re-reads names past their age after the read that found them old', async () => {
    const nl = new NetlinkLinkCounters(requireNative(), { netns: NS, namesMaxAgeMs: 0 });
    try {
      const ifindex = byName(await nl.read()).get('tap10i0')!.ifindex;
      ip(['link', 'set', 'tap10i0', 'name', 'tap10i1']);
      expect(byName(await nl.read()).get('tap10i0')?.ifindex).toBe(ifindex); // cached names, then a dump
      expect(byName(await nl.read()).get('tap10i1')?.ifindex).toBe(ifindex);
    } finally {
      nl.close();
    }
  });

  it('finishes a read in flight when closed, then rejects with EBADF', async () => {
    const nl = new NetlinkLinkCounters(requireNative(), { netns: NS });
    const pending = nl.read();
    nl.close();
    expect(await pending).toHaveLength(502);
    await expect(nl.read()).rejects.toMatchObject({ code: 'EBADF' });
  });

  it('addon: rows land in the given array when they fit, else in a new one with room to grow', async () => {
    const addon = requireNative();
    const ns = NetnsHandle.open(NS);
    const sock = await addon.routeSocket(ns.fd);
    try {
      const plain = await addon.linkStats(ns.fd);
      const big = new Float64Array(plain.length + 7 * 10);
      const into = await addon.linkStats(ns.fd, sock, big);
      expect(into.buffer).toBe(big.buffer);
      const small = new Float64Array(7 * 3);
      const grown = await addon.linkStats(ns.fd, sock, small);
      expect(grown.buffer).not.toBe(small.buffer);
      expect(grown.buffer.byteLength).toBeGreaterThan(grown.byteLength);
      const ifindexes = (rows: Float64Array) => rows.filter((_, i) => i % 7 === 0);
      expect(ifindexes(into)).toEqual(ifindexes(plain));
      expect(ifindexes(grown)).toEqual(ifindexes(plain));
      expect(Array.from(small)).toEqual(Array.from(grown.subarray(0, small.length)));
    } finally {
      closeSync(sock);
      ns.close();
    }
  });
});
