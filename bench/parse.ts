import { performance } from 'node:perf_hooks';
import { loadTree } from '../src/config/tree.js';
import { MemoryTree } from '../src/config/tree-reader.js';
import { resolve } from '../src/model/resolve.js';
import { fmtMs, summarize } from './stats.js';
import { syntheticTree } from './synthetic.js';

export interface ParseBenchResult {
  guests: number;
  rules: number;
  repeats: number;
  parse: ReturnType<typeof summarize>;
  resolve: ReturnType<typeof summarize>;
  total: ReturnType<typeof summarize>;
  /** Process CPU time (user + system, all threads) of parse + resolve: less sensitive to a busy machine than wall time. */
  cpu: ReturnType<typeof summarize>;
  diagnostics: number;
}

/** In-process parse + resolve of a synthetic tree; files are in memory so only CPU is measured. */
export function benchParse(guests = 1000, rules = 50, repeats = 15): ParseBenchResult {
  const files = syntheticTree({ guests, rules });
  const reader = new MemoryTree(files);
  const facts = { node: 'pve1', hostIPv4: '10.10.10.11', localNetwork: '10.10.10.0/24', now: 0 };
  const tParse: number[] = [];
  const tResolve: number[] = [];
  const tCpu: number[] = [];
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let diagnostics = 0;
  for (let i = 0; i < repeats + 2; i++) {
    const c0 = cpuMs();
    const t0 = performance.now();
    const loaded = loadTree(reader, 'pve1');
    const t1 = performance.now();
    const resolved = resolve(loaded.tree, facts);
    const t2 = performance.now();
    const c2 = cpuMs();
    diagnostics = loaded.diagnostics.length + resolved.diagnostics.length;
    if (i < 2) continue; // warm-up: JIT
    tParse.push(t1 - t0);
    tResolve.push(t2 - t1);
    tCpu.push(c2 - c0);
  }
  const total = tParse.map((p, i) => p + tResolve[i]!);
  return { guests, rules, repeats, parse: summarize(tParse), resolve: summarize(tResolve), total: summarize(total), cpu: summarize(tCpu), diagnostics };
}

export function reportParse(r: ParseBenchResult): string {
  return [
    `parse + resolve: ${r.guests} guest files x ${r.rules} rules (in memory, ${r.diagnostics} diagnostics)`,
    `  method: in-process, ${r.repeats} repeats after 2 warm-up runs; p50 / p99 (nearest rank) / min`,
    `  parse    ${fmtMs(r.parse.p50)} / ${fmtMs(r.parse.p99)} / ${fmtMs(r.parse.min)}`,
    `  resolve  ${fmtMs(r.resolve.p50)} / ${fmtMs(r.resolve.p99)} / ${fmtMs(r.resolve.min)}`,
    `  total    ${fmtMs(r.total.p50)} / ${fmtMs(r.total.p99)} / ${fmtMs(r.total.min)}   ${r.guests === 1000 && r.rules === 50 ? `(goal < 300 ms: ${r.total.p50 < 300 ? 'met' : 'NOT met'} at p50)` : '(goal is for 1,000 x 50)'}`,
    `  cpu      ${fmtMs(r.cpu.p50)} / ${fmtMs(r.cpu.p99)} / ${fmtMs(r.cpu.min)}   (process CPU time of parse + resolve, GC threads included)`,
  ].join('\n');
}
