import { Command, Option } from 'commander';
import { stopAll } from '../../daemon/oneshot.js';
import type { Register } from './index.js';

export const registerStop: Register = (program, setExit) => {
  const cmd = new Command('stop')
    .description("remove fwctl's nftables tables and eBPF programs from this network namespace (stop the daemon first, or it re-applies)")
    .addOption(new Option('--netns <name>', 'inside this named network namespace (labs and tests)').hideHelp())
    .action(async (opts: { netns?: string }) => {
      try {
        await stopAll(opts.netns ? { netns: opts.netns } : {});
        setExit(0);
      } catch (e) {
        process.stderr.write(`fwctl stop: ${(e as Error).message}\n`);
        setExit(1);
      }
    })
    .addHelpText('after', '\nExit status: 0 removed (or nothing to remove), 1 nft failed.');
  program.addCommand(cmd);
};
