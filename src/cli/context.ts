import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { Command, Option } from 'commander';

/** Options every verb that reads the config tree takes. */
export interface CommonOptions {
  config?: string;
  node?: string;
  hostIp?: string;
  localNetwork?: string;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--config <dir>', 'config tree root (default: /etc/pve if it exists, else /etc/fwctl)'))
    .addOption(new Option('--node <name>', 'node name (default: the host name)'))
    .addOption(new Option('--host-ip <ip>', "this node's address (default: detected)"))
    .addOption(new Option('--local-network <cidr>', 'local_network (default: the network of the host address)'));
}

export function defaultConfigDir(): string {
  return existsSync('/etc/pve') ? '/etc/pve' : '/etc/fwctl';
}

export function defaultNode(): string {
  return hostname().split('.')[0] ?? 'localhost';
}

/** A usage error: exit code 2, message printed without a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}
