import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/run.js';

describe('fwctl demo (live lab on the example tree, driven by the daemon)', () => {
  it('applies the example tree, sends real packets, and simulate agrees with the kernel before and after edits', async () => {
    const lines: string[] = [];
    const code = await runDemo({ config: 'examples/pve', labFile: 'examples/pve-lab.json', prefix: 'fwtest-demo-', live: true, out: (l) => lines.push(l) });
    const text = lines.join('\n');
    expect(text).not.toContain('MISMATCH');
    expect(text).toContain('simulate and kernel agree on every flow');
    // the daemon applies the tree, then sees each edit and applies it incrementally; the set edit
    // touches only sets; stopping the daemon leaves the rules in place
    expect(text).toMatch(/generation 1: full, \d+ nft commands/);
    expect(text).toMatch(/the daemon saw it: generation 2: incremental, \d+ nft commands, .*changed: guest\/100$/m);
    expect(text).toMatch(/the daemon saw it: generation 3: incremental, \d+ nft commands, .*changed: set:[^,]*blacklist[^,]*(, set:[^,]*blacklist[^,]*)?$/m);
    expect(text).toMatch(/^ {2}fwctl_generation 3$/m);
    expect(text).toMatch(/daemon stopped \(exit 0\); tables left in place: table inet fwctl, table bridge fwctl/);
    // verdict changes are real: 8080 opened, the blacklisted outside host is cut off
    expect(text).toMatch(/outside\s+vm100\s+tcp\/8080 \S+\s+ACCEPT\s+ACCEPT \(changed\)/);
    expect(text).toMatch(/outside\s+host\s+tcp\/8006 \S+\s+DROP\s+DROP \(changed\)/);
    expect(code).toBe(0);
  });
});
