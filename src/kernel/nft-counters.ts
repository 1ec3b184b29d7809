/** Named nft counters of fwctl's tables (`nft -j list counters`), summed over families. */
import { SpawnExec, runNft, type Exec } from '../apply/exec.js';
import { TABLE } from '../compiler/names.js';
import { KernelError } from './errors.js';

export interface CounterValue {
  packets: number;
  bytes: number;
}

interface NftCounterJson {
  counter?: { family: string; table: string; name: string; packets: number; bytes: number };
}

export async function readNftCounters(exec: Exec = new SpawnExec()): Promise<Map<string, CounterValue>> {
  const out = new Map<string, CounterValue>();
  const text = await runNft(exec, ['-j', 'list', 'counters']);
  let items: NftCounterJson[];
  try {
    items = (JSON.parse(text) as { nftables: NftCounterJson[] }).nftables;
  } catch {
    throw new KernelError('E_PARSE', 'nft -j list counters printed no JSON');
  }
  for (const { counter: c } of items) {
    if (!c || c.table !== TABLE) continue;
    const prev = out.get(c.name) ?? { packets: 0, bytes: 0 };
    out.set(c.name, { packets: prev.packets + c.packets, bytes: prev.bytes + c.bytes });
  }
  return out;
}
