import { Command } from 'commander';
import { addCommonOptions, type CommonOptions } from '../context.js';
import { loadPolicy } from '../pipeline.js';
import type { Register } from './index.js';

/** Like `pve-firewall localnet`: the host address, local_network and the corosync peers allowed. */
export const registerLocalnet: Register = (program, setExit) => {
  const cmd = addCommonOptions(new Command('localnet'))
    .description('print the detected host address, local_network and corosync peers')
    .option('--json', 'machine-readable output')
    .action((opts: CommonOptions & { json?: boolean }) => {
      const { policy, facts, detected } = loadPolicy(opts);
      const aliasOverride = policy.localNetwork !== undefined && policy.localNetwork !== facts.localNetwork;
      const peers = policy.corosync.peers.filter((p) => !p.local);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({
          node: facts.node,
          hostIPv4: facts.hostIPv4 ?? null,
          detectedLocalNetwork: facts.localNetwork ?? null,
          localNetwork: policy.localNetwork ?? null,
          localNetworkFrom: aliasOverride ? 'alias' : detected.source.localNetwork,
          corosync: peers.map((p) => ({ node: p.node, addr: p.addr, ring: p.ring })),
        })}\n`);
      } else {
        const out = [
          `local hostname: ${facts.node}`,
          `local IP address: ${facts.hostIPv4 ?? '(unknown)'}`,
          `network auto detect: ${facts.localNetwork ?? '(none)'}`,
          aliasOverride
            ? `using user defined local_network: ${policy.localNetwork}`
            : `using detected local_network: ${policy.localNetwork ?? '(none)'}`,
          '',
        ];
        if (peers.length) {
          out.push('accepting corosync traffic from/to:');
          for (const p of peers) out.push(` - ${p.node}: ${p.addr} (link: ${p.ring})`);
        } else {
          out.push('no corosync peers found');
        }
        process.stdout.write(`${out.join('\n')}\n`);
      }
      setExit(policy.localNetwork ? 0 : 1);
    });
  program.addCommand(cmd);
};
