import { Command } from 'commander';
import { runBench, scenarios } from '../../../bench/run.js';
import { UsageError } from '../context.js';
import type { Register } from './index.js';

export const registerBench: Register = (program, setExit) => {
  const cmd = new Command('bench')
    .description(`run benchmark scenarios (${scenarios.map((s) => s.name).join(', ')}); all when none is named`)
    .argument('[scenario...]', 'scenarios to run')
    .option('--quick', 'small sizes and few repeats (a smoke test, not a measurement)')
    .action(async (names: string[], opts: { quick?: boolean }) => {
      for (const n of names) {
        if (!scenarios.some((s) => s.name === n)) throw new UsageError(`unknown bench scenario: ${n}`);
      }
      await runBench(names, { quick: opts.quick === true, log: (l) => process.stdout.write(`${l}\n`) });
      setExit(0);
    });
  program.addCommand(cmd);
};
