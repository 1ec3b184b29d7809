import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateRequest } from '../compiler/batch.js';
import { compile } from '../compiler/compile.js';
import type { Ruleset } from '../compiler/ruleset.js';
import { formatDiagnostic } from '../config/diagnostics.js';
import { loadTree } from '../config/tree.js';
import { FsTree } from '../host/fs-tree.js';
import { Lab } from '../lab/index.js';
import type { TcpVerdict } from '../lab/types.js';
import type { Policy } from '../model/policy.js';
import { resolve } from '../model/resolve.js';
import { DemoDaemon, type DaemonEvent } from './daemon-driver.js';
import { EXAMPLE_EDITS, EXAMPLE_FLOWS, type Flow } from './flows.js';
import { labSpecFor, LabAddressesSchema, type LabAddresses } from './lab-spec.js';

export interface DemoOptions {
  config: string;
  labFile: string;
  prefix: string;
  live: boolean;
  out: (line: string) => void;
}

type Verdict = 'ACCEPT' | 'DROP' | 'REJECT';

const KERNEL: Record<string, Verdict> = { open: 'ACCEPT', refused: 'REJECT', timeout: 'DROP' };

const strip = (cidr: string | undefined): string | undefined => cidr?.split('/')[0];

/** The address a zone has in the lab, for one family. */
function zoneAddr(a: LabAddresses, zone: string, family: 4 | 6, peerBridge: string): string | undefined {
  const key = family === 4 ? 'ipv4' : 'ipv6';
  if (zone === 'outside') return strip(a.outside[key]);
  if (zone === 'host') return strip(a.bridges.find((b) => b.name === peerBridge)?.[key]);
  return strip(a.guests[zone.replace(/^(vm|ct)/, '')]?.[key]);
}

function bridgeOf(policy: Policy, a: LabAddresses, zone: string): string {
  if (zone === 'outside') return a.outside.bridge;
  const vmid = Number(zone.replace(/^(vm|ct)/, ''));
  return policy.guests.find((g) => g.vmid === vmid)?.nics[0]?.bridge ?? 'vmbr0';
}

interface Row {
  flow: Flow;
  source: string;
  dest: string;
  simulated: Verdict;
  kernel?: Verdict | string;
}

function load(dir: string, a: LabAddresses, out: (l: string) => void): { policy: Policy; ruleset: Ruleset } {
  const loaded = loadTree(new FsTree(dir), a.node);
  const facts = { node: a.node, hostIPv4: a.hostIPv4, localNetwork: a.localNetwork, now: Math.floor(Date.now() / 1000) };
  const resolved = resolve(loaded.tree, facts);
  const diags = [...loaded.diagnostics, ...resolved.diagnostics];
  for (const d of diags) out(`  ${formatDiagnostic(d)}`);
  if (!diags.length) out('  check: no diagnostics');
  return { policy: resolved.policy, ruleset: compile(resolved.policy, { bridgeConntrack: false }) };
}

function summary(r: Ruleset): string {
  const chains = r.tables.reduce((n, t) => n + t.chains.length, 0);
  const rules = r.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
  const sets = r.tables.reduce((n, t) => n + t.sets.length + t.maps.length, 0);
  const elems = r.tables.reduce((n, t) => n + t.sets.reduce((m, s) => m + s.elements.length, 0), 0);
  return `${r.tables.length} tables, ${chains} chains, ${rules} rules, ${sets} sets/maps, ${elems} set elements`;
}

function simulateFlows(policy: Policy, ruleset: Ruleset, a: LabAddresses): Row[] {
  return EXAMPLE_FLOWS.map((flow) => {
    const peer = bridgeOf(policy, a, flow.from === 'host' ? flow.to : flow.from);
    const source = zoneAddr(a, flow.from, flow.family, peer) ?? '?';
    const dest = zoneAddr(a, flow.to, flow.family, peer) ?? '?';
    const sim = simulateRequest(ruleset, policy, { from: flow.from, to: flow.to, proto: flow.proto, dport: flow.port, source, dest });
    return { flow, source, dest, simulated: sim.action };
  });
}

function table(rows: Row[], out: (l: string) => void, previous?: Row[]): void {
  const head = ['from', 'to', 'flow', 'simulate', 'kernel', '', 'why'];
  const body = rows.map((r, i) => {
    const changed = previous && previous[i]?.kernel !== r.kernel ? ' (changed)' : '';
    const agree = r.kernel === undefined ? '' : r.kernel === r.simulated ? 'ok' : 'MISMATCH';
    return [r.flow.from, r.flow.to, `${r.flow.proto}/${r.flow.port} ${r.dest}`, r.simulated, `${r.kernel ?? '-'}${changed}`, agree, r.flow.note];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cols: string[]): string => cols.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  out(line(head));
  out(line(widths.map((w) => '-'.repeat(w))));
  for (const b of body) out(line(b));
}

function nsOf(lab: Lab, zone: string): string {
  if (zone === 'outside') return lab.outside!;
  if (zone === 'host') return lab.host;
  return lab.guestNs(Number(zone.replace(/^(vm|ct)/, '')));
}

async function probeKernel(lab: Lab, rows: Row[]): Promise<void> {
  const bySource = new Map<string, number[]>();
  rows.forEach((r, i) => bySource.set(r.flow.from, [...(bySource.get(r.flow.from) ?? []), i]));
  await Promise.all(
    [...bySource].map(async ([zone, idx]) => {
      const probes = idx.map((i) => ({ proto: rows[i]!.flow.proto, addr: rows[i]!.dest, port: rows[i]!.flow.port, timeoutMs: 1500 }));
      const verdicts: TcpVerdict[] = await lab.probe(nsOf(lab, zone), probes);
      verdicts.forEach((v, k) => (rows[idx[k]!]!.kernel = KERNEL[v] ?? v));
    }),
  );
}

async function startListeners(lab: Lab, rows: Row[]): Promise<void> {
  const byTarget = new Map<string, Map<string, { proto: 'tcp' | 'udp'; port: number }>>();
  for (const r of rows) {
    const m = byTarget.get(r.flow.to) ?? new Map();
    m.set(`${r.flow.proto}/${r.flow.port}`, { proto: r.flow.proto, port: r.flow.port });
    byTarget.set(r.flow.to, m);
  }
  for (const [zone, ports] of byTarget) await lab.listen(nsOf(lab, zone), [...ports.values()]);
}

function describeApply(e: DaemonEvent | undefined): string {
  if (!e) return 'no apply logged';
  const changed = Array.isArray(e.changed) && e.changed.length ? `; changed: ${(e.changed as string[]).join(', ')}` : '';
  return `generation ${String(e.generation)}: ${String(e.mode)}, ${String(e.commands)} nft commands, nft ${String(e.applyMs)} ms, config change to kernel ${String(e.totalMs)} ms${changed}`;
}

/** The demo: check, compile and simulate the example tree; with `live`, prove it with real packets. */
export async function runDemo(opts: DemoOptions): Promise<number> {
  const { out } = opts;
  const addresses = LabAddressesSchema.parse(JSON.parse(readFileSync(opts.labFile, 'utf8')));
  const work = mkdtempSync(join(tmpdir(), 'fwctl-demo-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'fwctl-demo-state-'));
  let lab: Lab | undefined;
  let daemon: DemoDaemon | undefined;
  let mismatches = 0;
  try {
    cpSync(opts.config, work, { recursive: true });
    out(`== 1. check + compile ${opts.config} (node ${addresses.node}, a copy in ${work})`);
    let { policy, ruleset } = load(work, addresses, out);
    out(`  compiled: ${summary(ruleset)}`);
    let rows = simulateFlows(policy, ruleset, addresses);
    if (!opts.live) {
      out('\n== 2. verdicts from `simulate` (static demo; run as root for the live lab)');
      table(rows, out);
      return 0;
    }
    out(`\n== 2. live lab: namespaces ${opts.prefix}*, bridges ${addresses.bridges.map((b) => b.name).join(', ')}, guests as tap/veth ports`);
    lab = await Lab.create(labSpecFor(policy, addresses, opts.prefix));
    const facts = ['--node', addresses.node, '--host-ip', addresses.hostIPv4, '--local-network', addresses.localNetwork];
    daemon = await DemoDaemon.start({ netns: lab.host, configDir: work, stateDir, args: facts });
    let st = await daemon.waitGeneration(1);
    out(`  fwctl daemon (pid ${st.pid}) watches ${work}, applies into ${lab.host}, /metrics on ${daemon.metricsUrl}`);
    out(`  ${describeApply(daemon.lastApply())}`);
    await startListeners(lab, rows);
    await probeKernel(lab, rows);
    out('\n== 3. verdicts: simulate vs real packets (open = ACCEPT, refused = REJECT, timeout = DROP)');
    table(rows, out);
    mismatches += rows.filter((r) => r.kernel !== r.simulated).length;
    for (const [i, edit] of EXAMPLE_EDITS.entries()) {
      out(`\n== ${4 + i}. edit: ${edit.description}`);
      const path = join(work, edit.file);
      writeFileSync(path, edit.apply(readFileSync(path, 'utf8')));
      st = await daemon.waitGeneration(st.generation + 1);
      out(`  the daemon saw it: ${describeApply(daemon.lastApply())}`);
      ({ policy, ruleset } = load(work, addresses, out));
      const before = rows;
      rows = simulateFlows(policy, ruleset, addresses);
      await probeKernel(lab, rows);
      table(rows, out, before);
      mismatches += rows.filter((r) => r.kernel !== r.simulated).length;
    }
    const metrics = (await daemon.metrics()).split('\n').filter((l) => /^fwctl_(applies_total|generation|ruleset_rules|last_apply_success) /.test(l) || /^fwctl_applies_total\{/.test(l));
    out('\n== /metrics (excerpt)');
    for (const l of metrics) out(`  ${l}`);
    const code = await daemon.stop();
    daemon = undefined;
    const left = await lab.run(lab.host, 'nft', ['list', 'tables']);
    out(`  daemon stopped (exit ${code}); tables left in place: ${left.stdout.trim().split('\n').join(', ')}`);
    out(`\n== done: ${mismatches === 0 ? 'simulate and kernel agree on every flow' : `${mismatches} disagreement(s) between simulate and kernel`}`);
    return mismatches === 0 ? 0 : 1;
  } finally {
    if (daemon) await daemon.stop();
    if (lab) {
      await lab.dispose();
      out(`  lab removed (namespaces ${opts.prefix}*)`);
    }
    rmSync(work, { recursive: true, force: true });
    rmSync(stateDir, { recursive: true, force: true });
  }
}
