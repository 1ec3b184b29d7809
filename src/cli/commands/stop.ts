import { Command } from 'commander';
import { stopAll } from '../../daemon/oneshot.js';
import type { Register } from './index.js';

export const registerStop: Register = (program, setExit) => {
  const cmd = new Command('stop')
    .description("remove fwctl's nftables tables from this network namespace (stop the daemon first, or it re-applies)")
    .action(async () => {
      try {
        await stopAll();
        setExit(0);
      } catch (e) {
        process.stderr.write(`fwctl stop: ${(e as Error).message}\n`);
        setExit(1);
      }
    })
    .addHelpText('after', '\nExit status: 0 removed (or nothing to remove), 1 nft failed.');
  program.addCommand(cmd);
};
