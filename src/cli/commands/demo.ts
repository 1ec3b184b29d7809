import { Command } from 'commander';
import { runDemo } from '../../demo/run.js';
import type { Register } from './index.js';

export const registerDemo: Register = (program, setExit) => {
  const cmd = new Command('demo')
    .description('check, compile and simulate the example tree; as root, also build a lab in network namespaces and send real packets')
    .option('--config <dir>', 'config tree', 'examples/pve')
    .option('--lab <file>', 'lab addresses for the tree', 'examples/pve-lab.json')
    .option('--prefix <prefix>', 'network namespace name prefix', 'fwlab-')
    .option('--static', 'no lab: only check, compile and simulate')
    .action(async (opts: { config: string; lab: string; prefix: string; static?: boolean }) => {
      const live = !opts.static && process.getuid?.() === 0;
      const code = await runDemo({ config: opts.config, labFile: opts.lab, prefix: opts.prefix, live, out: (l) => process.stdout.write(`${l}\n`) });
      setExit(code);
    });
  program.addCommand(cmd);
};
