import { Command, CommanderError } from 'commander';
import { UsageError } from './context.js';
import { commands } from './commands/index.js';

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;

/** Runs the CLI and resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let code = EXIT_OK;
  const program = new Command('fwctl')
    .description('Proxmox VE compatible firewall for virtualization hosts (nftables)')
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) {
    register(program, (c) => {
      code = c;
    });
  }
  for (const sub of program.commands) sub.exitOverride().showHelpAfterError();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`fwctl: ${err.message}\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  return code;
}
