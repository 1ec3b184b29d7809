import { Command, Option } from 'commander';
import { DEFAULT_METRICS_LISTEN } from '../../metrics/server.js';
import { parseExposition, render, type Snapshot } from '../../metrics/guest-top.js';
import { UsageError } from '../context.js';
import type { Register } from './index.js';

interface TopOptions {
  url: string;
  interval: string;
  limit: string;
  once?: boolean;
}

async function snapshot(url: string): Promise<Snapshot> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return parseExposition(await res.text());
}

/** Live view of the busiest guests, rules and blacklist prefixes, from the daemon's /metrics. */
export const registerTop: Register = (program, setExit) => {
  const cmd = new Command('top')
    .description("live view of the busiest guests and rules (reads the daemon's /metrics)")
    .addOption(new Option('--url <url>', 'metrics endpoint').default(`http://${DEFAULT_METRICS_LISTEN}/metrics`))
    .addOption(new Option('--interval <seconds>', 'refresh interval').default('1'))
    .addOption(new Option('--limit <n>', 'rows per table').default('10'))
    .option('--once', 'print two samples one interval apart and exit (no screen control)')
    .action(async (o: TopOptions) => {
      const seconds = Number(o.interval);
      const limit = Number(o.limit);
      if (!(seconds >= 0.2 && seconds <= 3600)) throw new UsageError('--interval must be between 0.2 and 3600 seconds');
      if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
      let prev: Snapshot;
      try {
        prev = await snapshot(o.url);
      } catch (e) {
        process.stderr.write(`fwctl top: cannot read ${o.url}: ${(e as Error).message}\n`);
        setExit(1);
        return;
      }
      let stop = false;
      process.once('SIGINT', () => (stop = true));
      for (;;) {
        await new Promise((r) => setTimeout(r, seconds * 1000));
        if (stop) break;
        let cur: Snapshot;
        try {
          cur = await snapshot(o.url);
        } catch (e) {
          process.stderr.write(`fwctl top: ${(e as Error).message}\n`);
          continue;
        }
        const text = render(prev, cur, seconds, limit);
        prev = cur;
        if (o.once) {
          process.stdout.write(`${text}\n`);
          break;
        }
        process.stdout.write(`\x1b[H\x1b[2J${new Date().toISOString()}  ${o.url}\n\n${text}\n`);
      }
      setExit(0);
    });
  program.addCommand(cmd);
};
