import type { Exec } from './exec.js';
import { SysctlError } from './errors.js';

export const BRIDGE_NF_KEYS = ['net.bridge.bridge-nf-call-iptables', 'net.bridge.bridge-nf-call-ip6tables'] as const;

export interface SysctlReport {
  key: string;
  before: string;
  changed: boolean;
}

/**
 * Makes sure bridged IPv4/IPv6 traffic traverses the inet hooks (br_netfilter), in the namespace
 * the Exec runs in. Reports, per key, whether it had to change anything.
 */
export async function ensureBridgeNf(exec: Exec, keys: readonly string[] = BRIDGE_NF_KEYS): Promise<SysctlReport[]> {
  const out: SysctlReport[] = [];
  for (const key of keys) {
    const read = await exec.run('sysctl', ['-n', key]);
    if (read.exitCode !== 0) throw new SysctlError('E_SYSCTL_MISSING', key, `${key} is not available (is br_netfilter loaded?)`);
    const before = read.stdout.trim();
    if (before !== '1') {
      const w = await exec.run('sysctl', ['-q', '-w', `${key}=1`]);
      if (w.exitCode !== 0) throw new SysctlError('E_SYSCTL_WRITE', key, `cannot set ${key}=1: ${w.stderr.trim()}`);
    }
    out.push({ key, before, changed: before !== '1' });
  }
  return out;
}
