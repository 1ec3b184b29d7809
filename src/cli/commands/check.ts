import { Command } from 'commander';
import { formatDiagnostic } from '../../config/diagnostics.js';
import { addCommonOptions, type CommonOptions } from '../context.js';
import { loadPolicy } from '../pipeline.js';
import type { Register } from './index.js';

export const registerCheck: Register = (program, setExit) => {
  const cmd = addCommonOptions(new Command('check'))
    .description('parse and resolve the config tree; report every diagnostic (exit 1 if any is an error)')
    .option('--json', 'print {"diagnostics":[...]} as JSON')
    .action((opts: CommonOptions & { json?: boolean }) => {
      const { diagnostics } = loadPolicy(opts);
      if (opts.json) {
        const out = diagnostics.map(({ file, line, col, code, severity, message, hint }) =>
          hint === undefined ? { file, line, col, code, severity, message } : { file, line, col, code, severity, message, hint });
        process.stdout.write(`${JSON.stringify({ diagnostics: out })}\n`);
      } else {
        for (const d of diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
        const errors = diagnostics.filter((d) => d.severity === 'error').length;
        process.stderr.write(`${errors} error(s), ${diagnostics.length - errors} other finding(s)\n`);
      }
      setExit(diagnostics.some((d) => d.severity === 'error') ? 1 : 0);
    })
    .addHelpText('after', '\nExit status: 0 no errors, 1 errors found, 2 usage error.');
  program.addCommand(cmd);
};
