/**
 * Benchmark scenarios behind `fwctl bench` and `npm run bench`. Every scenario prints its method
 * beside its figures. `quick` shrinks sizes and repeats so CI can run each once as a smoke test.
 */
import { setElemScenario } from './apply-lib.js';
import { countersScenario } from './counters.js';
import { benchApply } from './apply.js';
import { benchCompile, reportCompile } from './compile.js';
import { benchDataplane } from './dataplane.js';
import { daemonScenario } from './daemon.js';
import { benchParse, reportParse } from './parse.js';

export interface BenchContext {
  quick: boolean;
  log: (line: string) => void;
}

export interface Scenario {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<void>;
}

export const scenarios: Scenario[] = [
  {
    name: 'parse',
    description: 'parse + resolve of 1,000 guest files x 50 rules',
    async run(ctx) {
      ctx.log(reportParse(ctx.quick ? benchParse(50, 50, 3) : benchParse(1000, 50, 15)));
    },
  },
  {
    name: 'compile',
    description: 'compile of 1,000 guests x 50 rules, and the ruleset size',
    async run(ctx) {
      ctx.log(reportCompile(ctx.quick ? benchCompile(50, 50, 3) : benchCompile(1000, 50, 10)));
    },
  },
  {
    name: 'apply',
    description: 'full atomic apply, one-guest incremental change, no-op, one IP-set element with 100k present (lab namespace)',
    run: benchApply,
  },
  {
    name: 'dataplane',
    description: 'per-packet cost vs number of firewalled guests (verdict-map dispatch), interleaved with a no-filter baseline',
    run: benchDataplane,
  },
  countersScenario,
  setElemScenario,
  daemonScenario,
];

export async function runBench(names: string[], ctx: BenchContext): Promise<void> {
  const chosen = names.length ? names.map((n) => {
    const s = scenarios.find((x) => x.name === n);
    if (!s) throw new Error(`unknown bench scenario ${JSON.stringify(n)}; known: ${scenarios.map((x) => x.name).join(', ')}`);
    return s;
  }) : scenarios;
  for (const s of chosen) {
    ctx.log(`== ${s.name}: ${s.description}${ctx.quick ? ' (quick)' : ''}`);
    await s.run(ctx);
  }
}
