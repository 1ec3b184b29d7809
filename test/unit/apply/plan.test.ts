import { describe, expect, it } from 'vitest';
import { NftApplier, parseState, serializeState } from '../../../src/apply/index.js';
import { plan } from '../../../src/apply/plan.js';
import { runTransaction } from '../../../src/apply/transaction.js';
import { FakeNft } from '../../../src/backend/fake/index.js';
import { addChain, addRule, addTable } from '../../../src/backend/nft/json.js';
import { sampleRuleset } from '../backend/sample.js';

const inet = { family: 'inet' as const, name: 'fwctl' };

async function applied(): Promise<{ fake: FakeNft; a: NftApplier }> {
  const fake = new FakeNft();
  const a = new NftApplier({ backend: fake });
  expect((await a.apply(sampleRuleset())).mode).toBe('full');
  return { fake, a };
}

describe('plan and apply against the fake kernel', () => {
  it('a no-op sends nothing at all', async () => {
    const { fake, a } = await applied();
    const n = fake.log.length;
    expect(await a.apply(sampleRuleset())).toMatchObject({ mode: 'noop', commands: 0, changed: [] });
    expect(fake.log.length).toBe(n);
  });

  it('a changed IP set becomes element commands only', () => {
    const p = plan(sampleRuleset({ blacklist: ['10.0.0.1', '10.0.0.2'] }), sampleRuleset({ blacklist: ['10.0.0.2', '10.0.0.3'] }));
    expect(p.mode).toBe('incremental');
    expect(p.commands).toEqual([
      { delete: { element: { family: 'inet', table: 'fwctl', name: 'dc-blacklist-v4', elem: ['10.0.0.1'] } } },
      { add: { element: { family: 'inet', table: 'fwctl', name: 'dc-blacklist-v4', elem: ['10.0.0.3'] } } },
    ]);
  });

  it('a changed guest flushes and refills only that owner', async () => {
    const { fake, a } = await applied();
    const r = await a.apply(sampleRuleset({ g100Ports: [22, 443] }));
    expect(r).toMatchObject({ mode: 'incremental', changed: ['guest/100'] });
    const sent = JSON.stringify(fake.log.at(-1)!.doc);
    expect(sent).toContain('g100-in');
    expect(sent).not.toContain('g200-in');
    expect(JSON.stringify(fake.rules('inet', 'fwctl', 'g100-in'))).toContain('443');
  });

  it('adds new chains before references and deletes dropped chains after de-referencing', async () => {
    const { fake, a } = await applied();
    const next = sampleRuleset();
    const t = next.tables[1]!;
    t.chains.push({ name: 'g100-extra', owner: 'guest/100', rules: [{ expr: [{ drop: null }] }] });
    t.chains.find((c) => c.name === 'g100-in')!.rules.unshift({ expr: [{ jump: { target: 'g100-extra' } }] });
    await a.apply(next);
    expect(fake.rules('inet', 'fwctl', 'g100-extra')).toHaveLength(1);
    const r = await a.apply(sampleRuleset());
    expect(r.mode).toBe('incremental');
    expect(fake.rules('inet', 'fwctl', 'g100-extra')).toBeUndefined();
  });

  it('falls back to a full replace when the kernel no longer matches the record', async () => {
    const { fake, a } = await applied();
    fake.kernel.delete('inet fwctl'); // someone deleted our table behind our back
    const r = await a.apply(sampleRuleset({ blacklist: ['10.0.0.9'] }));
    expect(r.mode).toBe('full');
    expect(fake.elements('inet', 'fwctl', 'dc-blacklist-v4')).toEqual(['10.0.0.9']);
  });

  it('check mode commits nothing and keeps the record', async () => {
    const { fake, a } = await applied();
    const before = JSON.stringify([...fake.kernel.keys()]);
    const r = await a.apply(sampleRuleset({ blacklist: ['10.0.0.1'] }), { check: true });
    expect(r.mode).toBe('incremental');
    expect(fake.elements('inet', 'fwctl', 'dc-blacklist-v4')).toEqual([]);
    expect(JSON.stringify([...fake.kernel.keys()])).toBe(before);
    expect((await a.apply(sampleRuleset({ blacklist: ['10.0.0.1'] }))).commands).toBe(1);
  });

  it('state survives serialisation: a restarted applier continues incrementally', async () => {
    const { fake, a } = await applied();
    const b = new NftApplier({ backend: fake, state: parseState(serializeState(a.state!)) });
    expect((await b.apply(sampleRuleset())).mode).toBe('noop');
    expect(parseState('{"version":2}')).toBeUndefined();
    expect(parseState('not json')).toBeUndefined();
  });

  it('stop deletes only fwctl tables', async () => {
    const { fake, a } = await applied();
    await runTransaction(fake, [addTable({ family: 'inet', name: 'other' })]);
    await a.stop();
    expect([...fake.kernel.keys()]).toEqual(['inet other']);
  });
});

describe('fake kernel', () => {
  it('fails the whole transaction on a jump to a missing chain', async () => {
    const fake = new FakeNft();
    const tx = [addTable(inet), addChain(inet, { name: 'a', owner: 'core', rules: [] }), addRule(inet, 'a', { expr: [{ jump: { target: 'b' } }] })];
    await expect(runTransaction(fake, tx)).rejects.toMatchObject({ code: 'E_NFT_CHECK', errno: 'ENOENT' });
    expect(fake.kernel.size).toBe(0);
  });

  it('refuses to delete a referenced chain', async () => {
    const fake = new FakeNft();
    const tx = [
      addTable(inet),
      addChain(inet, { name: 'a', owner: 'core', rules: [] }),
      addChain(inet, { name: 'b', owner: 'core', rules: [] }),
      addRule(inet, 'a', { expr: [{ jump: { target: 'b' } }] }),
    ];
    await runTransaction(fake, tx);
    await expect(runTransaction(fake, [{ delete: { chain: { family: 'inet', table: 'fwctl', name: 'b' } } }])).rejects.toMatchObject({ errno: 'EBUSY' });
    expect(fake.rules('inet', 'fwctl', 'b')).toEqual([]);
  });
});
