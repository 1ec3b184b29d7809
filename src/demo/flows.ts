/** The demo's flows over the example tree: who talks to whom, on what. */
export interface Flow {
  from: string; // pve zone: outside, host, vm<ID>, ct<ID>
  to: string;
  proto: 'tcp' | 'udp';
  port: number;
  family: 4 | 6;
  note: string;
}

const f = (from: string, to: string, proto: 'tcp' | 'udp', port: number, note: string, family: 4 | 6 = 4): Flow => ({ from, to, proto, port, family, note });

export const EXAMPLE_FLOWS: Flow[] = [
  f('outside', 'vm100', 'tcp', 443, 'group webserver: HTTPS'),
  f('outside', 'vm100', 'udp', 443, 'group webserver: HTTP/3'),
  f('outside', 'vm100', 'tcp', 22, 'group ssh-admin: from management (local_network)'),
  f('outside', 'vm100', 'tcp', 8080, 'only from vmbr1 back ends'),
  f('outside', 'vm100', 'tcp', 443, 'group webserver over IPv6', 6),
  f('outside', 'ct201', 'tcp', 25, 'SMTP macro'),
  f('outside', 'ct201', 'tcp', 80, 'policy_in REJECT'),
  f('outside', 'ct200', 'udp', 53, 'DNS macro'),
  f('outside', 'ct200', 'udp', 53, 'DNS macro over IPv6', 6),
  f('outside', 'ct200', 'tcp', 8053, 'policy_in DROP'),
  f('outside', 'vm102', 'tcp', 80, 'guest without a .fw: not filtered'),
  f('outside', 'host', 'tcp', 8006, 'management: GUI'),
  f('outside', 'host', 'tcp', 111, 'host.fw: REJECT rpcbind'),
  f('outside', 'host', 'tcp', 9999, 'cluster policy_in DROP'),
  f('host', 'ct200', 'tcp', 22, 'CT 200 allows SSH from management'),
  f('host', 'vm100', 'tcp', 8080, 'host to guest: guest IN rules apply'),
  f('vm100', 'ct201', 'tcp', 25, 'vm100 OUT REJECT smtp'),
  f('vm100', 'outside', 'tcp', 80, 'vm100 policy_out ACCEPT'),
  f('ct201', 'vm100', 'tcp', 22, 'guest to guest, management source'),
  f('vm101', 'host', 'tcp', 22, 'vm101 policy_out REJECT'),
  f('vm101', 'host', 'tcp', 443, 'vm101 OUT ACCEPT, then host policy DROP'),
];

/** The edits the demo makes to its copy of the tree, and the flows each should change. */
export interface Edit {
  description: string;
  file: string;
  apply: (text: string) => string;
}

export const EXAMPLE_EDITS: Edit[] = [
  {
    description: "firewall/100.fw: add 'IN ACCEPT -p tcp -dport 8080' (one guest's rules change)",
    file: 'firewall/100.fw',
    apply: (t) => t.replace('[RULES]\n', '[RULES]\n\nIN ACCEPT -p tcp -dport 8080 # opened by the demo\n'),
  },
  {
    description: 'firewall/cluster.fw: add 10.10.10.200 and fd00:10::200 to IP set blacklist (set elements only)',
    file: 'firewall/cluster.fw',
    apply: (t) => t.replace('[IPSET blacklist] # dropped before any rule\n', '[IPSET blacklist] # dropped before any rule\n10.10.10.200\nfd00:10::200\n'),
  },
];
