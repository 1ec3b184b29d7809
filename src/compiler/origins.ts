/**
 * Rule origins: what a compiled rule implements, for the simulator trace and for the named counter
 * (names.counterName) the metrics code maps back (src/metrics/rules-index.ts parses these shapes).
 *
 *   guest/<vmid>/<in|out>/<pos>             guest rule, one counter shared by all NIC chains
 *   guest/<vmid>/policy/<in|out>/net<N>     guest policy, per NIC
 *   guest/<vmid>/<filter>/net<N>            ipfilter | macfilter | layer2 drop, per NIC (guest OUT)
 *   group/<name>/<in|out|forward>/<pos>     security group rule
 *   <host|dc>/<in|out|forward>/<pos>        host.fw / cluster.fw rule
 *   host/policy/<in|out|forward>            host policy
 */
export type GuestFilter = 'ipfilter' | 'macfilter' | 'layer2';

export const origins = {
  guestRule: (vmid: number, dir: 'in' | 'out', pos: number) => `guest/${vmid}/${dir}/${pos}`,
  guestPolicy: (vmid: number, dir: 'in' | 'out', nic: number) => `guest/${vmid}/policy/${dir}/net${nic}`,
  guestFilter: (vmid: number, filter: GuestFilter, nic: number) => `guest/${vmid}/${filter}/net${nic}`,
};
