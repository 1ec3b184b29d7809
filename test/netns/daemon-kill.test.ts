import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { kernelTable, makeNs, removeNs, rmrf, startDaemon, tempDir, treeFiles, until, writeTree, type DaemonProc } from './daemon-harness.js';

let NS: string;
const GUESTS = 20;
let base: string;

beforeAll(() => {
  NS = makeNs('fwtest-e2');
  base = tempDir('kill');
});
afterAll(() => {
  removeNs(NS);
  rmrf(base);
});

/** Variant `v` (0 or 1): its own IP set element, host port and per-guest ports in all guests. */
function variant(v: 0 | 1): Record<string, string> {
  const files = treeFiles(`10.66.10.${v + 1}`, 4001 + v);
  for (let g = 0; g < GUESTS; g++) {
    const vmid = 100 + g;
    const mac = `BC:24:11:00:${(g >> 8).toString(16).padStart(2, '0')}:${(g & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    files[`nodes/pve1/qemu-server/${vmid}.conf`] = `name: vm${vmid}\nnet0: virtio=${mac},bridge=vmbr0,firewall=1\n`;
    const rules = Array.from({ length: 4 }, (_, i) => `IN ACCEPT -p tcp -dport ${5001 + v}${i}`).join('\n');
    files[`firewall/${vmid}.fw`] = `[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\n${rules}\nIN ACCEPT -p udp -dport ${6001 + v}\n`;
  }
  return files;
}

/** 0 or 1 when the kernel holds exactly that variant, 'mix' or 'none' otherwise. */
function kernelVariant(): 0 | 1 | 'mix' | 'none' {
  const t = kernelTable(NS);
  const count = (s: string) => t.split(s).length - 1;
  const marks = [0, 1].map((v) => [count(`10.66.10.${v + 1}`) > 0, count(`dport ${4001 + v} `), count(`dport ${6001 + v} `)] as const);
  const full = (v: number) => marks[v]![0] && marks[v]![1] === 1 && marks[v]![2] === GUESTS;
  const none = (v: number) => !marks[v]![0] && marks[v]![1] === 0 && marks[v]![2] === 0;
  if (full(0) && none(1)) return 0;
  if (full(1) && none(0)) return 1;
  return none(0) && none(1) ? 'none' : 'mix';
}

const nsPids = (): string => {
  try {
    return execFileSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};

/** Whether a thread of `pid` is inside our namespace right now (libnftables runs there, see native/src/nft.cc). */
function threadInNs(pid: number): boolean {
  try {
    const ino = statSync(`/run/netns/${NS}`).ino;
    return readdirSync(`/proc/${pid}/task`).some((tid) => {
      try {
        return statSync(`/proc/${pid}/task/${tid}/ns/net`).ino === ino;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

it('kill -9 at random moments (50 times): the kernel holds the old or the new ruleset, never a mix; a restart converges', async () => {
  execFileSync('ip', ['netns', 'exec', NS, 'nft', 'flush', 'ruleset']);
  const cfg = join(base, 'cfg');
  const state = join(base, 'state');
  mkdirSync(cfg, { recursive: true });
  writeTree(cfg, variant(0));
  let d: DaemonProc = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
  await until(() => kernelVariant() === 0, 20000, 'variant 0 applied');
  await d.stop();
  // calibration: start → restore → compile → apply of the other variant, unkilled
  writeTree(cfg, variant(1));
  d = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
  const started = (await d.waitLog((l) => l.event === 'start')).time as number;
  const applied = (await d.waitLog((l) => l.event === 'apply', 30000)).time as number;
  await d.stop();
  expect(kernelVariant()).toBe(1);
  const window = Math.max(300, 1.3 * (applied - started));

  let want: 0 | 1 = 1;
  let duringNft = 0;
  const seen = { 0: 0, 1: 0 };
  const rounds = 50;
  for (let i = 0; i < rounds; i++) {
    const prev = want;
    want = want === 0 ? 1 : 0;
    writeTree(cfg, variant(want));
    d = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
    // from here the daemon restores the last good ruleset, compiles and applies: kill anywhere in it
    await d.waitLog((l) => l.event === 'start');
    await new Promise((r) => setTimeout(r, Math.random() * window));
    const busy = nsPids() !== '' || threadInNs(d.proc.pid!);
    d.proc.kill('SIGKILL');
    await d.exited;
    if (busy) duringNft++;
    await until(() => nsPids() === '', 10000, 'orphaned nft finished'); // nft's commit is atomic either way
    const k = kernelVariant();
    if (k === 'none') expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }), 'our namespace was removed by someone else').toContain(NS);
    expect(k, `round ${i}`).not.toBe('mix');
    expect(k, `round ${i}`).not.toBe('none');
    seen[k as 0 | 1]++;
    // the kernel is either where it was or where the config wants it; the next round flips from there
    if (k === prev) want = prev;
  }
  console.log(`kill -9 rounds: ${rounds}, window ${Math.round(window)} ms, killed while nft ran: ${duringNft}, kernel ended old/new: ${JSON.stringify(seen)}`);
  expect(duringNft).toBeGreaterThan(0);
  expect(seen[0] * seen[1]).toBeGreaterThan(0); // kills landed before and after commits

  d = await startDaemon({ ns: NS, configDir: cfg, stateDir: state });
  await until(() => kernelVariant() === want, 20000, 'restarted daemon converges');
  await d.stop();
}, 300_000);
