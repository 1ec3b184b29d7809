/**
 * A synthetic but realistic config tree: `guests` guests on node `pve1`, each with `rules` rules
 * drawn from a fixed mix (macros, port lists, ranges, aliases, IP sets, groups), v4 and v6.
 * Deterministic: the same arguments give the same files.
 */
export interface SyntheticOptions {
  guests: number;
  rules: number;
  setElements?: number; // entries of the cluster IP set `bigset`
}

function ruleLine(vmid: number, i: number): string {
  const port = 1000 + ((vmid * 7 + i * 13) % 60000);
  switch (i % 10) {
    case 0: return `IN ACCEPT -p tcp -dport ${port} # rule ${i}`;
    case 1: return `IN HTTPS(ACCEPT) -source +webclients`;
    case 2: return `IN ACCEPT -p udp -dport ${port}:${port + 10} -source 10.${i % 250}.0.0/16`;
    case 3: return `OUT REJECT -p tcp -dport 25`;
    case 4: return `IN DROP -source 10.${vmid % 250}.${i % 250}.1-10.${vmid % 250}.${i % 250}.9`;
    case 5: return `IN SSH(ACCEPT) -source +management`;
    case 6: return `IN ACCEPT -source fd00:${(vmid % 65535).toString(16)}::/64 -p tcp -dport ${port}`;
    case 7: return `GROUP webserver`;
    case 8: return `OUT ACCEPT -dest monitoring -p tcp -dport 9090,9093,9100`;
    default: return `IN REJECT -p tcp -dport ${port},${port + 1},${port + 5}:${port + 9} -log info`;
  }
}

export function syntheticTree(opts: SyntheticOptions): Map<string, string> {
  const files = new Map<string, string>();
  const big: string[] = [];
  for (let i = 0; i < (opts.setElements ?? 0); i++) big.push(`10.${100 + ((i >> 16) & 0x7f)}.${(i >> 8) & 0xff}.${i & 0xff}`);
  files.set(
    'firewall/cluster.fw',
    [
      '[OPTIONS]', 'enable: 1', '',
      '[ALIASES]', 'monitoring 10.10.10.50', '',
      '[IPSET management]', '10.99.0.0/24', '',
      '[IPSET webclients]', '10.40.0.0/16', '!10.40.13.0/24', 'fd00:40::/64', '',
      '[IPSET bigset]', ...big, '',
      '[group webserver]', 'IN HTTP(ACCEPT)', 'IN HTTPS(ACCEPT)', '',
    ].join('\n'),
  );
  files.set('nodes/pve1/host.fw', '[OPTIONS]\nenable: 1\n\n[RULES]\nIN SSH(ACCEPT) -source +management\n');
  for (let g = 0; g < opts.guests; g++) {
    const vmid = 1000 + g;
    const mac = `BC:24:11:${((g >> 16) & 0xff).toString(16).padStart(2, '0')}:${((g >> 8) & 0xff).toString(16).padStart(2, '0')}:${(g & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
    files.set(`nodes/pve1/qemu-server/${vmid}.conf`, `name: vm${vmid}\nmemory: 1024\nnet0: virtio=${mac},bridge=vmbr0,firewall=1\n`);
    const rules: string[] = [];
    for (let i = 0; i < opts.rules; i++) rules.push(ruleLine(vmid, i));
    files.set(`firewall/${vmid}.fw`, `[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\n${rules.join('\n')}\n`);
  }
  return files;
}
