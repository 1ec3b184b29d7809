/**
 * Wires kernel counters into the metrics registry: guest link counters (netlink, or the
 * `ip -s -j` fallback), per-rule nft counters on a slower cadence, and optionally the eBPF side
 * (tc counters on firewalled ports, XDP blacklist drop on uplinks). The daemon calls
 * `startKernelCounters` once, `update(ruleset)` after every committed apply, and `stop()` on exit;
 * `fwctl stop` calls `detachAll` (ebpf.ts) so that nothing stays attached.
 */
import { SpawnExec, type Exec } from '../apply/exec.js';
import type { Ruleset } from '../compiler/ruleset.js';
import { ebpfGuestReader, linkGuestReader, type GuestReader } from '../metrics/guest-source.js';
import { registerGuestMetrics, type GuestMetrics, type MetricsHost } from '../metrics/guest.js';
import { registerRuleMetrics, type RuleMetrics } from '../metrics/rules.js';
import { registerBlacklistMetrics } from '../metrics/blacklist.js';
import { Ebpf, type AttachReport, type EbpfOptions } from './ebpf.js';
import { parseGuestPort } from './guest-port.js';
import { createLinkCounters, type LinkCounterSource } from './links.js';
import { readNftCounters } from './nft-counters.js';
import { counterFacts, isCounterFacts, type CounterFacts } from './ruleset-facts.js';
import { unpackIndex } from '../metrics/rules-index.js';

export interface KernelCountersOptions {
  netns?: string;
  /** Force a link counter source (default: the addon when it loads). */
  linkSource?: 'netlink' | 'iproute2';
  /** Load and attach the eBPF programs (needs the addon and root). */
  ebpf?: boolean | EbpfOptions;
  /** Where guest counters come from: port link counters (default) or the tc program's map. */
  guestCounters?: 'link' | 'ebpf';
  ruleIntervalMs?: number;
  /** Runs nft (default: spawned, in `netns` when given). */
  nftExec?: Exec;
}

export interface EbpfReport {
  ports: AttachReport;
  uplinks: AttachReport;
  blacklist: { added: string[]; removed: string[] };
}

export interface KernelCounters {
  readonly links: LinkCounterSource;
  readonly ebpf: Ebpf | undefined;
  readonly guests: GuestMetrics;
  readonly rules: RuleMetrics;
  /** After each committed apply: rule index, tc ports, uplinks and blacklist follow the ruleset (or its CounterFacts). */
  update(ruleset: Ruleset | CounterFacts | undefined): Promise<EbpfReport | undefined>;
  /** Unregisters collectors and closes handles; attachments stay (see detachAll). */
  stop(): void;
}

/** Bridge ports that are not guest ports: the uplinks (eth0, bond0, ...). */
async function uplinks(links: LinkCounterSource): Promise<string[]> {
  return (await links.read()).filter((l) => l.master !== undefined && !parseGuestPort(l.name)).map((l) => l.name);
}

export async function startKernelCounters(host: MetricsHost, opts: KernelCountersOptions = {}): Promise<KernelCounters> {
  const linkOpts = opts.netns === undefined ? {} : { netns: opts.netns };
  const links = createLinkCounters(opts.linkSource ? { ...linkOpts, prefer: opts.linkSource } : linkOpts);
  const ebpf = opts.ebpf ? await Ebpf.open({ ...linkOpts, ...(typeof opts.ebpf === 'object' ? opts.ebpf : {}) }) : undefined;
  const reader: GuestReader = ebpf && opts.guestCounters === 'ebpf' ? ebpfGuestReader(ebpf, links) : linkGuestReader(links);
  const guests = registerGuestMetrics(host, reader);
  const exec = opts.nftExec ?? new SpawnExec(linkOpts);
  const rules = registerRuleMetrics(host, { read: () => readNftCounters(exec), ...(opts.ruleIntervalMs === undefined ? {} : { intervalMs: opts.ruleIntervalMs }) });
  const blacklist = ebpf ? registerBlacklistMetrics(host, () => ebpf.readBlacklist()) : undefined;
  return {
    links, ebpf, guests, rules,
    async update(ruleset) {
      const facts = ruleset === undefined ? undefined : isCounterFacts(ruleset) ? ruleset : counterFacts(ruleset);
      rules.setIndex(facts ? unpackIndex(facts.index) : new Map());
      if (!ebpf) return undefined;
      const bl = facts?.blacklist ?? [];
      return {
        ports: await ebpf.reconcilePorts(facts?.ports ?? []),
        uplinks: await ebpf.reconcileUplinks(bl.length ? await uplinks(links) : []),
        blacklist: await ebpf.syncBlacklist(bl),
      };
    },
    stop() {
      guests.unregister();
      rules.unregister();
      blacklist?.unregister();
      links.close();
      ebpf?.close();
    },
  };
}
