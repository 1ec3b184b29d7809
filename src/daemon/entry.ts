/**
 * An entry with only the daemon-side verbs (`daemon`, `apply`, `confirm`, `stop`, `status`), for
 * running from source or as one bundled file (tests, bench) without the rest of the CLI.
 * `fwctl` itself (src/cli/main.ts) registers the same verbs.
 */
import { Command, CommanderError } from 'commander';
import { registerApply } from '../cli/commands/apply.js';
import { registerConfirm } from '../cli/commands/confirm.js';
import { registerDaemon } from '../cli/commands/daemon.js';
import { registerStatus } from '../cli/commands/status.js';
import { registerStop } from '../cli/commands/stop.js';
import { UsageError } from '../cli/context.js';

async function run(argv: string[]): Promise<number> {
  let code = 0;
  const program = new Command('fwctl').exitOverride();
  for (const register of [registerDaemon, registerApply, registerConfirm, registerStop, registerStatus]) {
    register(program, (c) => {
      code = c;
    });
  }
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      process.stderr.write(`fwctl: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return code;
}

run(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`fwctl: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 70;
  },
);
