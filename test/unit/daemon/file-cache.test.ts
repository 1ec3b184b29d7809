import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCache } from '../../../src/daemon/file-cache.js';
import { readSource } from '../../../src/daemon/source.js';
import { ParseCache } from '../../../src/daemon/parse-cache.js';

let root: string;
const write = (rel: string, text: string) => {
  mkdirSync(join(root, rel, '..'), { recursive: true });
  writeFileSync(join(root, rel), text);
};
const later = (rel: string) => statSync(join(root, rel)).mtimeMs + 10_000; // well outside the racy window

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'fwctl-unit-filecache-'));
  write('firewall/cluster.fw', '[OPTIONS]\nenable: 1\n');
  write('nodes/pve1/host.fw', '[RULES]\nIN ACCEPT -p tcp -dport 22\n');
  write('firewall/100.fw', '[RULES]\nIN ACCEPT -p tcp -dport 80\n');
  write('nodes/pve1/qemu-server/100.conf', 'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('FileCache', () => {
  it('reads a file again only when its inode, size or times change, with the same hashes as a plain read', () => {
    const fc = new FileCache();
    const pc = new ParseCache();
    const now = later('firewall/cluster.fw');
    const a = readSource(root, 'pve1', pc, { cache: fc, now });
    expect(fc.reads).toBe(4);
    expect(a.ok && a.hashes).toEqual(readSource(root, 'pve1').ok && (readSource(root, 'pve1') as { hashes: unknown }).hashes);
    readSource(root, 'pve1', pc, { cache: fc, now });
    expect(fc.reads).toBe(0);
    // same size, mtime put back: the ctime still moves
    const p = join(root, 'firewall/100.fw');
    const before = statSync(p);
    writeFileSync(p, '[RULES]\nIN ACCEPT -p tcp -dport 81\n');
    utimesSync(p, before.atime, before.mtime);
    const b = readSource(root, 'pve1', pc, { cache: fc, now: now + 20_000 });
    expect(fc.reads).toBe(1);
    expect(JSON.stringify(b.ok && b.tree.guestFw.get(100))).toContain('81');
    // rename-over (editors, pmxcfs): a new inode
    writeFileSync(`${p}.tmp`, '[RULES]\nIN ACCEPT -p tcp -dport 82\n');
    renameSync(`${p}.tmp`, p);
    readSource(root, 'pve1', pc, { cache: fc, now: now + 30_000 });
    expect(fc.reads).toBe(1);
  });

  it('always reads files modified within the racy window, and forgets deleted ones', () => {
    const fc = new FileCache(2000);
    const now = statSync(join(root, 'firewall/cluster.fw')).mtimeMs + 500;
    readSource(root, 'pve1', undefined, { cache: fc, now });
    readSource(root, 'pve1', undefined, { cache: fc, now });
    expect(fc.reads).toBe(4);
    rmSync(join(root, 'firewall/100.fw'));
    const r = readSource(root, 'pve1', undefined, { cache: fc, now: now + 60_000 });
    expect(r.ok && Object.keys(r.hashes)).not.toContain('firewall/100.fw');
    expect(fc.reads).toBe(0); // the others are unchanged and now outside the window
    write('firewall/100.fw', '[RULES]\nIN ACCEPT -p tcp -dport 80\n');
    readSource(root, 'pve1', undefined, { cache: fc, now: later('firewall/100.fw') });
    expect(fc.reads).toBe(1);
  });

  it('with the files named by change events, serves the others from memory without a stat', () => {
    const fc = new FileCache();
    const now = later('firewall/cluster.fw') + 20_000;
    readSource(root, 'pve1', undefined, { cache: fc, now });
    expect(fc.stats).toBe(5); // 4 files and the missing corosync.conf
    writeFileSync(join(root, 'firewall/100.fw'), '[RULES]\nIN ACCEPT -p tcp -dport 8080\n');
    writeFileSync(join(root, 'nodes/pve1/host.fw'), '[RULES]\nIN ACCEPT -p tcp -dport 2222\n');
    const r = readSource(root, 'pve1', undefined, { cache: fc, now, changed: new Set(['firewall/100.fw']) });
    expect(fc.stats).toBe(2); // the named file, and the missing one (absence is not remembered)
    expect(fc.reads).toBe(1);
    expect(JSON.stringify(r.ok && r.tree.guestFw.get(100))).toContain('8080');
    expect(JSON.stringify(r.ok && r.tree.host)).not.toContain('2222'); // no event named it: trusted unchanged
    readSource(root, 'pve1', undefined, { cache: fc, now }); // a pass without events checks everything
    expect(fc.stats).toBe(5);
    expect(fc.reads).toBe(1);
  });
});
