import { Command, Option } from 'commander';
import { renderJson } from '../../backend/nft/json.js';
import { renderText } from '../../backend/nft/text.js';
import { compile } from '../../compiler/compile.js';
import { formatDiagnostic } from '../../config/diagnostics.js';
import { addCommonOptions, type CommonOptions } from '../context.js';
import { loadPolicy } from '../pipeline.js';
import type { Register } from './index.js';

export const registerCompile: Register = (program, setExit) => {
  const cmd = addCommonOptions(new Command('compile'))
    .description('compile the config tree and print the ruleset (nft text, or nft JSON with --json)')
    .addOption(new Option('--backend <name>', 'ruleset backend').choices(['nft']).default('nft'))
    .option('--json', 'print the nft JSON document that apply would send')
    .option('--bridge-conntrack', 'compile for a kernel with bridge conntrack (default: this shape works on both)')
    .action((opts: CommonOptions & { json?: boolean; bridgeConntrack?: boolean }) => {
      const { policy, diagnostics } = loadPolicy(opts);
      for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
      const ruleset = compile(policy, { bridgeConntrack: opts.bridgeConntrack === true });
      process.stdout.write(opts.json ? `${JSON.stringify(renderJson(ruleset))}\n` : renderText(ruleset));
      setExit(0);
    });
  program.addCommand(cmd);
};
