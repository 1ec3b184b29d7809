import { Command, Option } from 'commander';
import { parseSshConnection } from '../../daemon/lockout.js';
import { createLogger } from '../../daemon/logger.js';
import { DaemonStartError, runDaemon } from '../../daemon/run.js';
import { DEFAULT_STATE_DIR } from '../../daemon/state-store.js';
import { DEFAULT_METRICS_LISTEN, parseListen } from '../../metrics/server.js';
import { addCommonOptions, defaultConfigDir, defaultNode, UsageError, type CommonOptions } from '../context.js';
import { hostFacts } from '../pipeline.js';
import type { Register } from './index.js';

interface DaemonOpts extends CommonOptions {
  metricsListen: string;
  stateDir: string;
  strict?: boolean;
  force?: boolean;
  resync: string;
  debounce: string;
  logLevel: string;
  netns?: string;
  ebpf?: boolean;
  kernelCounters?: boolean;
}

const positive = (name: string, v: string, max: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`${name}: not a number in (0, ${max}]: ${JSON.stringify(v)}`);
  return n;
};

export const registerDaemon: Register = (program, setExit) => {
  const cmd = addCommonOptions(new Command('daemon'))
    .description('watch the config tree and keep the kernel ruleset in sync (never flushes on failure or exit)')
    .addOption(new Option('--metrics-listen <addr:port>', 'HTTP /metrics and /healthz').default(DEFAULT_METRICS_LISTEN))
    .addOption(new Option('--state-dir <dir>', 'last good ruleset and the status socket').default(DEFAULT_STATE_DIR))
    .option('--strict', 'do not apply a config that has error diagnostics (default: skip bad lines, apply the rest)')
    .option('--force', 'apply even when the ruleset would cut the SSH session in SSH_CONNECTION')
    .addOption(new Option('--resync <seconds>', 'full re-read of the tree every N seconds').default('10'))
    .addOption(new Option('--debounce <ms>', 'quiet time before a change is applied').default('50'))
    .addOption(new Option('--netns <name>', 'apply inside this named network namespace (labs and tests)').hideHelp())
    .option('--no-kernel-counters', 'leave per-guest link counters and per-rule nft counters out of /metrics')
    .option('--ebpf', 'tc counters on guest ports and the XDP blacklist drop on uplinks (failures are logged, never fatal)')
    .addOption(new Option('--log-level <level>', 'pino level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
    .action(async (opts: DaemonOpts) => {
      try {
        parseListen(opts.metricsListen);
      } catch (e) {
        throw new UsageError(`--metrics-listen: ${(e as Error).message}`);
      }
      const resyncMs = positive('--resync', opts.resync, 86400) * 1000;
      const debounceMs = positive('--debounce', opts.debounce, 60000);
      hostFacts(opts, 0); // validates --node/--host-ip/--local-network
      const node = opts.node ?? defaultNode();
      const ssh = opts.force ? undefined : parseSshConnection(process.env.SSH_CONNECTION);
      try {
        setExit(
          await runDaemon({
            configDir: opts.config ?? defaultConfigDir(),
            stateDir: opts.stateDir,
            node,
            common: { ...(opts.config ? { config: opts.config } : {}), node, ...(opts.hostIp ? { hostIp: opts.hostIp } : {}), ...(opts.localNetwork ? { localNetwork: opts.localNetwork } : {}) },
            metricsListen: opts.metricsListen,
            strict: opts.strict === true,
            ...(ssh ? { ssh } : {}),
            resyncMs,
            debounceMs,
            log: createLogger(opts.logLevel),
            ...(opts.netns ? { netns: opts.netns } : {}),
            ebpf: opts.ebpf === true,
            kernelCounters: opts.kernelCounters !== false || opts.ebpf === true,
          }),
        );
      } catch (e) {
        if (!(e instanceof DaemonStartError)) throw e;
        process.stderr.write(`fwctl daemon: ${e.message}\n`);
        setExit(1);
      }
    })
    .addHelpText('after', '\nSignals: SIGHUP reloads now; SIGTERM/SIGINT exit within 2 s, rules left in place (`fwctl stop` removes them).\nExit status: 0 stopped by a signal, 1 could not start, 2 usage error.');
  program.addCommand(cmd);
};
