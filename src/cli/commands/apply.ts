import { Command, Option } from 'commander';
import { parseSshConnection } from '../../daemon/lockout.js';
import { APPLY_EXIT, applyOnce } from '../../daemon/oneshot.js';
import { DEFAULT_STATE_DIR } from '../../daemon/state-store.js';
import { addCommonOptions, defaultConfigDir, defaultNode, UsageError, type CommonOptions } from '../context.js';
import { hostFacts } from '../pipeline.js';
import type { Register } from './index.js';

interface ApplyOpts extends CommonOptions {
  backend: string;
  strict?: boolean;
  confirm?: string;
  force?: boolean;
  stateDir: string;
}

export const registerApply: Register = (program, setExit) => {
  const cmd = addCommonOptions(new Command('apply'))
    .description('compile the config tree and apply it to this network namespace, atomically')
    .addOption(new Option('--backend <name>', 'kernel backend').choices(['nft']).default('nft'))
    .option('--strict', 'apply nothing if any diagnostic is an error (default: skip bad lines, apply the rest)')
    .option('--confirm <seconds>', 'roll back to the previous ruleset unless `fwctl confirm` runs within SECONDS')
    .option('--force', 'apply even if the ruleset would cut the SSH session in SSH_CONNECTION')
    .addOption(new Option('--state-dir <dir>', 'last good ruleset and pending confirmations').default(DEFAULT_STATE_DIR))
    .action(async (opts: ApplyOpts) => {
      let confirmSeconds: number | undefined;
      if (opts.confirm !== undefined) {
        confirmSeconds = Number(opts.confirm);
        if (!Number.isInteger(confirmSeconds) || confirmSeconds < 1 || confirmSeconds > 86400) {
          throw new UsageError(`--confirm: whole seconds from 1 to 86400: ${JSON.stringify(opts.confirm)}`);
        }
      }
      hostFacts(opts, 0); // validates the common options before anything is read
      const ssh = parseSshConnection(process.env.SSH_CONNECTION);
      setExit(
        await applyOnce({
          configDir: opts.config ?? defaultConfigDir(),
          node: opts.node ?? defaultNode(),
          facts: (now) => hostFacts(opts, now).facts,
          stateDir: opts.stateDir,
          strict: opts.strict === true,
          force: opts.force === true,
          ...(ssh ? { ssh } : {}),
          ...(confirmSeconds !== undefined ? { confirmSeconds } : {}),
          out: (l) => process.stdout.write(`${l}\n`),
          err: (l) => process.stderr.write(`${l}\n`),
        }),
      );
    })
    .addHelpText(
      'after',
      `\nDiagnostics go to stderr as file:line:col. Exit status: ${APPLY_EXIT.ok} applied, ${APPLY_EXIT.refused} refused (strict errors, SSH lockout, unreadable tree, daemon running; kernel untouched), ${APPLY_EXIT.usage} usage error, ${APPLY_EXIT.failed} nft failed (kernel unchanged).`,
    );
  program.addCommand(cmd);
};
