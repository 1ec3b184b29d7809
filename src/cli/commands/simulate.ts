import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { simulateBatch, simulateRequest, type SimRequest } from '../../compiler/batch.js';
import { compile } from '../../compiler/compile.js';
import type { SimResult } from '../../compiler/sim-packet.js';
import { SimError } from '../../compiler/simulate.js';
import { lookupService } from '../../config/services.js';
import { addCommonOptions, UsageError, type CommonOptions } from '../context.js';
import { loadPolicy } from '../pipeline.js';
import type { Register } from './index.js';

interface SimulateOptions extends CommonOptions {
  from?: string;
  to?: string;
  proto?: string;
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  dsttype?: string;
  srctype?: string;
  json?: boolean;
  verbose?: boolean;
  batch?: string;
}

/** Service names (`ssh`) in ports become numbers for tcp/udp; ICMP types stay as they are. */
function portValue(v: string | number | undefined, proto: string | undefined): string | number | undefined {
  if (v === undefined || typeof v === 'number' || /^\d+$/.test(v)) return v;
  const p = (proto ?? 'tcp').toLowerCase();
  if (p !== 'tcp' && p !== 'udp') return v;
  const n = lookupService(v);
  if (n === undefined) throw new SimError('bad-packet', `unknown service '${v}'`);
  return n;
}

function normalise(req: SimRequest): SimRequest {
  const out = { ...req };
  const dport = portValue(req.dport, req.proto);
  const sport = portValue(req.sport, req.proto);
  if (dport !== undefined) out.dport = dport;
  if (sport !== undefined) out.sport = sport;
  return out;
}

function describe(r: SimResult): string {
  return r.trace
    .map((t) => `  ${t.family} ${t.hook} ${t.table}/${t.chain}[${t.rule}] ${t.effect}${t.origin ? ` (${t.origin})` : ''}`)
    .join('\n');
}

export const registerSimulate: Register = (program, setExit) => {
  const cmd = addCommonOptions(new Command('simulate'))
    .description('walk a packet through the compiled ruleset and print the verdict the kernel will reach')
    .option('--from <zone>', 'host, outside, nfvm, vm<ID>, vm<ID>i<N>, ct<ID> or <bridge>/<port>')
    .option('--to <zone>', 'destination zone (same forms)')
    .option('--proto <proto>', 'tcp, udp, icmp, icmpv6 or igmp', 'tcp')
    .option('--dport <port>', 'destination port or service name; the ICMP type for icmp/icmpv6')
    .option('--sport <port>', 'source port')
    .option('--source <ip>', 'source address (IPv4 or IPv6)')
    .option('--dest <ip>', 'destination address')
    .option('--dsttype <type>', 'destination address type (UNICAST, MULTICAST, BROADCAST, LOCAL, ...)')
    .option('--srctype <type>', 'source address type')
    .option('--batch <file>', 'JSON lines of {from,to,proto,dport,sport,source,dest,dsttype,srctype}; "-" for stdin')
    .option('--json', 'print {"action":...,"trace":[...]}')
    .option('--verbose', 'print the trace')
    .action((opts: SimulateOptions) => {
      const { policy } = loadPolicy(opts);
      const ruleset = compile(policy, { bridgeConntrack: false });
      if (opts.batch !== undefined) {
        const text = readFileSync(opts.batch === '-' ? 0 : opts.batch, 'utf8');
        const lines = text.split('\n').map((l) => {
          if (!l.trim()) return l;
          try {
            return JSON.stringify(normalise(JSON.parse(l) as SimRequest));
          } catch {
            return l; // simulateBatch reports the bad line in order
          }
        });
        let failed = false;
        for (const r of simulateBatch(ruleset, policy, lines.join('\n'))) {
          const base = r.id === undefined ? {} : { id: r.id };
          if ('result' in r) {
            const out = opts.verbose ? { ...base, action: r.result.action, trace: r.result.trace } : { ...base, action: r.result.action };
            process.stdout.write(`${JSON.stringify(out)}\n`);
          } else {
            failed = true;
            process.stdout.write(`${JSON.stringify({ ...base, action: null, error: r.error })}\n`);
          }
        }
        setExit(failed ? 1 : 0);
        return;
      }
      if (!opts.from || !opts.to) throw new UsageError('simulate needs --from and --to (or --batch FILE)');
      const req: SimRequest = { from: opts.from, to: opts.to };
      for (const k of ['proto', 'dport', 'sport', 'source', 'dest', 'dsttype', 'srctype'] as const) {
        if (opts[k] !== undefined) req[k] = opts[k];
      }
      let result: SimResult;
      try {
        result = simulateRequest(ruleset, policy, normalise(req));
      } catch (e) {
        if (e instanceof SimError) throw new UsageError(e.message);
        throw e;
      }
      if (opts.json) process.stdout.write(`${JSON.stringify({ action: result.action, trace: result.trace })}\n`);
      else {
        if (opts.verbose) process.stdout.write(`${describe(result)}\n`);
        process.stdout.write(`ACTION: ${result.action}\n`);
      }
      setExit(0);
    });
  program.addCommand(cmd);
};
