import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NftApplier } from '../../src/apply/index.js';
import { FakeNft } from '../../src/backend/fake/index.js';
import type { Lab } from '../../src/lab/index.js';
import { sampleRuleset } from '../unit/backend/sample.js';
import { standardLab } from './lab-setup.js';

// The hand-written dataplane of kernel-findings.md, applied through NftApplier (JSON), with real packets.
describe('hand dataplane in namespaces', () => {
  let lab: Lab;
  let applier: NftApplier;
  let out: string;

  beforeAll(async () => {
    lab = await standardLab();
    out = lab.outside as string;
    applier = new NftApplier({ netns: lab.host });
    await lab.listen(lab.guestNs(100), [22, 23, 24, 443].map((port) => ({ proto: 'tcp' as const, port })));
    await lab.listen(lab.guestNs(200), [{ proto: 'tcp', port: 80 }, { proto: 'tcp', port: 81 }]);
    await applier.apply(sampleRuleset());
  });
  afterAll(async () => {
    await applier?.stop().catch(() => undefined);
    await lab?.dispose();
  });

  it('accepts, rejects and drops TCP to a bridged guest, IPv4 and IPv6', async () => {
    const v = await lab.probe(out, [
      { proto: 'tcp', addr: '10.1.0.100', port: 22 },
      { proto: 'tcp', addr: '10.1.0.100', port: 23 },
      { proto: 'tcp', addr: '10.1.0.100', port: 24, timeoutMs: 500 },
      { proto: 'tcp', addr: 'fd00:1::100', port: 22 },
      { proto: 'tcp', addr: 'fd00:1::100', port: 23 },
      { proto: 'tcp', addr: 'fd00:1::100', port: 24, timeoutMs: 500 },
    ]);
    expect(v).toEqual(['open', 'refused', 'timeout', 'open', 'refused', 'timeout']);
  });

  it('lets replies of a guest-initiated connection back in (conntrack), guest to guest', async () => {
    expect(await lab.tcp(lab.guestNs(100), '10.1.0.200', 80)).toBe('open');
    expect(await lab.tcp(lab.guestNs(100), '10.1.0.200', 81, 500)).toBe('timeout');
  });

  it('answers pings over IPv4 and IPv6 (ND passes the inet forward chain)', async () => {
    expect(await lab.ping(out, '10.1.0.100')).toBe(true);
    expect(await lab.ping(out, 'fd00:1::100')).toBe(true);
  });

  it('updates an IP set incrementally without touching chains', async () => {
    const r = await applier.apply(sampleRuleset({ blacklist: ['10.1.0.50'] }));
    expect(r).toMatchObject({ mode: 'incremental', commands: 1, changed: ['set:fwctl/dc-blacklist-v4'] });
    expect(await lab.tcp(out, '10.1.0.100', 22, 500)).toBe('timeout');
    expect(await lab.tcp(lab.guestNs(200), '10.1.0.100', 22)).toBe('open');
    await applier.apply(sampleRuleset());
    expect(await lab.tcp(out, '10.1.0.100', 22)).toBe('open');
  });

  it('replaces one guest chains only, and sends nothing for a no-op', async () => {
    const r = await applier.apply(sampleRuleset({ g100Ports: [22, 443] }));
    expect(r.mode).toBe('incremental');
    expect(r.changed).toEqual(['guest/100']);
    expect(await lab.tcp(out, '10.1.0.100', 443)).toBe('open');
    expect((await applier.apply(sampleRuleset({ g100Ports: [22, 443] }))).mode).toBe('noop');
  });

  it('leaves the kernel unchanged when a transaction fails', async () => {
    const before = await lab.run(lab.host, 'nft', ['list', 'ruleset']);
    // overlapping intervals are refused by the kernel; the whole transaction must roll back
    await expect(applier.apply(sampleRuleset({ g100Ports: [22], blacklist: ['10.9.0.1', '10.9.0.0/16'] }))).rejects.toMatchObject({
      code: 'E_NFT_APPLY', // no precheck by default: the atomic commit refuses it
    });
    const after = await lab.run(lab.host, 'nft', ['list', 'ruleset']);
    expect(after.stdout).toBe(before.stdout);
    expect(await lab.tcp(out, '10.1.0.100', 443)).toBe('open');
  });

  it('plans exactly what the fake backend accepts (same commands as sent to nft)', async () => {
    const fake = new FakeNft();
    const a = new NftApplier({ backend: fake });
    await a.apply(sampleRuleset());
    const r = await a.apply(sampleRuleset({ g100Ports: [22, 443], blacklist: ['10.1.0.9'] }));
    expect(r.changed).toEqual(['set:fwctl/dc-blacklist-v4', 'guest/100']);
  });
});
