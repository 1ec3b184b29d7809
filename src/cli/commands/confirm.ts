import { Command, Option } from 'commander';
import { confirmAll } from '../../daemon/confirm.js';
import { rollbackTimer } from '../../daemon/oneshot.js';
import { DEFAULT_STATE_DIR } from '../../daemon/state-store.js';
import type { Register } from './index.js';

export const registerConfirm: Register = (program, setExit) => {
  program.addCommand(
    new Command('confirm')
      .description('keep the ruleset of the last `fwctl apply --confirm` (cancels the rollback)')
      .addOption(new Option('--state-dir <dir>', 'where apply parked the rollback').default(DEFAULT_STATE_DIR))
      .action(async (opts: { stateDir: string }) => {
        const n = await confirmAll(opts.stateDir);
        if (n === 0) process.stderr.write('fwctl confirm: nothing to confirm (never armed, or already rolled back)\n');
        else process.stdout.write('confirmed\n');
        setExit(n === 0 ? 1 : 0);
      })
      .addHelpText('after', '\nExit status: 0 confirmed, 1 nothing pending.'),
  );
  program.addCommand(
    new Command('_rollback-timer')
      .requiredOption('--state-dir <dir>')
      .requiredOption('--id <id>')
      .action(async (opts: { stateDir: string; id: string }) => {
        setExit(await rollbackTimer(opts.stateDir, opts.id));
      }),
    { hidden: true },
  );
};
