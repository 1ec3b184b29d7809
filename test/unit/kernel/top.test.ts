import { describe, expect, it } from 'vitest';
import { parseExposition, rates, render } from '../../../src/metrics/guest-top.js';

const expo = (rx100: number, rx200: number, rule: number) => `# HELP x
fwctl_guest_receive_packets_total{vmid="100",nic="net0",iface="tap100i0",bridge="vmbr0"} ${rx100}
fwctl_guest_receive_packets_total{vmid="200",nic="net0",iface="veth200i0",bridge="vmbr0"} ${rx200}
fwctl_guest_transmit_packets_total{vmid="100",nic="net0",iface="tap100i0",bridge="vmbr0"} 0
fwctl_rule_matches_total{scope="guest",vmid="100",direction="in",pos="2",action="DROP"} ${rule}
`;

describe('fwctl top model', () => {
  it('computes per-second rates and orders the busiest first', () => {
    const a = parseExposition(expo(10, 100, 0));
    const b = parseExposition(expo(30, 110, 8));
    const r = rates(a, b, 'fwctl_guest_receive_packets_total', 2, (l) => l.vmid!);
    expect(r.map((x) => [x.key, x.rate])).toEqual([['100', 10], ['200', 5]]);
    const text = render(a, b, 2);
    expect(text.split('\n')[1]).toMatch(/^100\s+tap100i0\s+vmbr0\s+10\s+0$/);
    expect(text).toMatch(/guest\/100 in 2 DROP\s+4\s+8/);
  });

  it('never reports a negative rate when a counter restarts', () => {
    const r = rates(parseExposition(expo(50, 0, 0)), parseExposition(expo(5, 0, 0)), 'fwctl_guest_receive_packets_total', 1, (l) => l.vmid!);
    expect(r.find((x) => x.key === '100')?.rate).toBe(0);
  });
});
