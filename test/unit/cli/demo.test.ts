import { describe, expect, it } from 'vitest';
import { runDemo } from '../../../src/demo/run.js';

describe('fwctl demo --static', () => {
  it('checks, compiles and simulates the example tree into a verdict table', async () => {
    const lines: string[] = [];
    const code = await runDemo({ config: 'examples/pve', labFile: 'examples/pve-lab.json', prefix: 'unused-', live: false, out: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(lines).toContain('  check: no diagnostics');
    const row = (from: string, to: string, flow: string): string | undefined =>
      lines.find((l) => new RegExp(`^${from}\\s+${to}\\s+${flow.replace('/', '\\/')} `).test(l));
    expect(row('outside', 'vm100', 'tcp/443')).toMatch(/\sACCEPT\s/);
    expect(row('outside', 'vm100', 'tcp/8080')).toMatch(/\sDROP\s/);
    expect(row('outside', 'ct201', 'tcp/80')).toMatch(/\sREJECT\s/);
  });
});
