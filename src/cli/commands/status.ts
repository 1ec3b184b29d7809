import { Command, Option } from 'commander';
import { request, socketPath } from '../../daemon/control.js';
import { DEFAULT_STATE_DIR } from '../../daemon/state-store.js';
import { STATUS_EXIT, type DaemonStatus } from '../../daemon/status.js';
import type { Register } from './index.js';

const ago = (ms: number): string => `${((Date.now() - ms) / 1000).toFixed(1)} s ago`;

function render(s: DaemonStatus): string {
  const l = s.lastApply;
  const lines = [
    `fwctl daemon: running (pid ${s.pid}), backend ${s.backend}, ${s.healthy ? 'healthy' : 'DEGRADED'}`,
    `config: ${s.configDir} (${s.tree.available ? 'readable' : `UNAVAILABLE: ${s.tree.error ?? ''}`})`,
    `generation: ${s.generation}${s.pending ? ', changes pending' : ''}`,
    l ? `last apply: ${l.ok ? 'ok' : 'FAILED'} ${ago(l.at)}, ${l.durationMs} ms${l.mode ? `, ${l.mode}` : ''}${l.changed?.length ? ` (${l.changed.length} changed)` : ''}` : 'last apply: none yet',
  ];
  if (l?.error) lines.push(`  error (${l.error.kind} ${l.error.code}): ${l.error.message}`);
  if (s.lastSuccessAt !== null && !l?.ok) lines.push(`last success: ${ago(s.lastSuccessAt)}`);
  if (s.stateError) lines.push(`state dir: ${s.stateError}`);
  const c = s.diagnosticCounts;
  lines.push(`diagnostics: ${c.error} error(s), ${c.warning} warning(s), ${c.info} info`);
  for (const d of s.diagnostics) lines.push(`  ${d}`);
  return `${lines.join('\n')}\n`;
}

export const registerStatus: Register = (program, setExit) => {
  const cmd = new Command('status')
    .description("the running daemon's state, over its unix socket")
    .addOption(new Option('--state-dir <dir>', 'where the daemon keeps its socket').default(DEFAULT_STATE_DIR))
    .option('--socket <path>', 'the socket (default: <state-dir>/fwctl.sock)')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { stateDir: string; socket?: string; json?: boolean }) => {
      let s: DaemonStatus;
      try {
        s = (await request(opts.socket ?? socketPath(opts.stateDir), { cmd: 'status' })) as DaemonStatus;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (opts.json) process.stdout.write(`${JSON.stringify({ running: false, error: code })}\n`);
        else process.stdout.write(`fwctl daemon: stopped (${code})\n`);
        return setExit(STATUS_EXIT.stopped);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(s)}\n` : render(s));
      setExit(s.healthy && !s.stateError ? STATUS_EXIT.ok : STATUS_EXIT.degraded);
    })
    .addHelpText('after', '\nExit status: 0 running and healthy, 1 running but degraded (last apply failed, config unreadable or state dir unwritable), 2 usage error, 3 not running.');
  program.addCommand(cmd);
};
