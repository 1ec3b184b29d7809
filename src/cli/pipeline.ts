import { existsSync, statSync } from 'node:fs';
import ipaddr from 'ipaddr.js';
import type { ConfigTree } from '../config/ast.js';
import { sortDiagnostics, type Diagnostic } from '../config/diagnostics.js';
import { loadTree } from '../config/tree.js';
import { detectHostFacts, type DetectedFacts } from '../host/facts.js';
import { FsTree } from '../host/fs-tree.js';
import type { HostFacts, Policy } from '../model/policy.js';
import { resolve } from '../model/resolve.js';
import { defaultConfigDir, defaultNode, UsageError, type CommonOptions } from './context.js';

export interface Loaded {
  configDir: string;
  tree: ConfigTree;
  policy: Policy;
  facts: HostFacts;
  detected: DetectedFacts;
  diagnostics: Diagnostic[];
}

function checkOptions(opts: CommonOptions): void {
  if (opts.hostIp !== undefined && !ipaddr.isValid(opts.hostIp)) {
    throw new UsageError(`--host-ip: not an IP address: ${JSON.stringify(opts.hostIp)}`);
  }
  if (opts.localNetwork !== undefined) {
    try {
      ipaddr.parseCIDR(opts.localNetwork);
    } catch {
      throw new UsageError(`--local-network: not a CIDR: ${JSON.stringify(opts.localNetwork)}`);
    }
  }
  if (opts.node !== undefined && !/^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/.test(opts.node)) {
    throw new UsageError(`--node: not a node name: ${JSON.stringify(opts.node)}`);
  }
}

/** Host facts from options and detection; `now` in Unix seconds. */
export function hostFacts(opts: CommonOptions, now: number): { facts: HostFacts; detected: DetectedFacts } {
  checkOptions(opts);
  const node = opts.node ?? defaultNode();
  const detected = detectHostFacts(node, { hostIp: opts.hostIp, localNetwork: opts.localNetwork });
  const facts: HostFacts = { node, now };
  if (detected.hostIPv4) facts.hostIPv4 = detected.hostIPv4;
  if (detected.hostIPv6) facts.hostIPv6 = detected.hostIPv6;
  if (detected.localNetwork) facts.localNetwork = detected.localNetwork;
  return { facts, detected };
}

/** Reads the config tree, resolves it against the host facts; diagnostics sorted. */
export function loadPolicy(opts: CommonOptions, now = Math.floor(Date.now() / 1000)): Loaded {
  const configDir = opts.config ?? defaultConfigDir();
  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    throw new UsageError(`config directory not found: ${configDir}`);
  }
  const { facts, detected } = hostFacts(opts, now);
  const loaded = loadTree(new FsTree(configDir), facts.node);
  const resolved = resolve(loaded.tree, facts);
  return {
    configDir,
    tree: loaded.tree,
    policy: resolved.policy,
    facts,
    detected,
    diagnostics: sortDiagnostics([...loaded.diagnostics, ...resolved.diagnostics]),
  };
}
