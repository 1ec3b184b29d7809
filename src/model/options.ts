/** Options with pve-firewall's defaults, and the cluster `enable` rule. */
import type { ClusterFw, GuestFw, HostFw } from '../config/ast.js';
import {
  CLUSTER_DEFAULTS,
  GUEST_DEFAULTS,
  HOST_DEFAULTS,
  type ClusterEnable,
  type ClusterOptions,
  type GuestOptions,
  type HostOptions,
} from '../config/options.js';

/** A timestamp enables the firewall for 60 s after it (pve's safety net for remote changes). */
export const ENABLE_WINDOW_SECONDS = 60;

export function clusterEnabled(enable: ClusterEnable, now: number): boolean {
  if (enable.kind === 'until') return now - enable.since <= ENABLE_WINDOW_SECONDS;
  return enable.kind === 'on';
}

export const clusterOptions = (fw: ClusterFw | undefined): ClusterOptions => ({ ...CLUSTER_DEFAULTS, ...fw?.options });
export const hostOptions = (fw: HostFw | undefined): HostOptions => ({ ...HOST_DEFAULTS, ...fw?.options });
export const guestOptions = (fw: GuestFw | undefined): GuestOptions => ({ ...GUEST_DEFAULTS, ...fw?.options });
