import type { ConfigTree } from '../config/ast.js';
import { sortDiagnostics, type Diagnostic } from '../config/diagnostics.js';
import { compile, type CompileFacts } from '../compiler/compile.js';
import type { Compiler } from '../compiler/incremental.js';
import type { Ruleset } from '../compiler/ruleset.js';
import type { HostFacts } from '../model/policy.js';
import { ENABLE_WINDOW_SECONDS } from '../model/options.js';
import type { ResolveMemo } from '../model/memo.js';
import { resolve } from '../model/resolve.js';

export interface Built {
  ruleset: Ruleset;
  diagnostics: Diagnostic[];
  /** Unix seconds after which the policy may change by itself (`enable: <timestamp>` expiring). */
  expiresAt?: number;
  /** Enabled guests with `ips: 1` (their traffic goes to NFQUEUE when the kernel has nft_queue). */
  ipsGuests: number[];
}

/**
 * Tree + facts → ruleset, with every diagnostic of both stages sorted. Pure apart from the
 * `compiler`'s and the `memo`'s memory (the daemon keeps one of each across cycles).
 */
export function build(tree: ConfigTree, treeDiagnostics: Diagnostic[], facts: HostFacts, compileFacts: CompileFacts, compiler?: Compiler, memo?: ResolveMemo): Built {
  const resolved = resolve(tree, facts, memo);
  const ruleset = compiler ? compiler.compile(resolved.policy, compileFacts) : compile(resolved.policy, compileFacts);
  const ipsGuests = resolved.policy.guests.filter((g) => g.enabled && g.options.ips).map((g) => g.vmid);
  const out: Built = { ruleset, diagnostics: sortDiagnostics([...treeDiagnostics, ...resolved.diagnostics]), ipsGuests };
  const enable = resolved.policy.cluster.enable;
  if (enable.kind === 'until' && resolved.policy.enabled) out.expiresAt = enable.since + ENABLE_WINDOW_SECONDS + 1;
  return out;
}

export interface RulesetStats {
  tables: number;
  chains: number;
  rules: number;
  sets: number;
  elements: number;
}

export function rulesetStats(r: Ruleset): RulesetStats {
  const s: RulesetStats = { tables: r.tables.length, chains: 0, rules: 0, sets: 0, elements: 0 };
  for (const t of r.tables) {
    s.chains += t.chains.length;
    for (const c of t.chains) s.rules += c.rules.length;
    s.sets += t.sets.length + t.maps.length;
    for (const x of t.sets) s.elements += x.elements.length;
    for (const m of t.maps) s.elements += m.entries.length;
  }
  return s;
}
