/** The daemon's worker thread: hosts an InlineEngine; see worker-engine.ts for the protocol. */
import { parentPort, workerData } from 'node:worker_threads';
import { NftApplier } from '../apply/index.js';
import { hostFacts } from '../cli/pipeline.js';
import { InlineEngine } from './engine.js';
import type { WorkerConfig, WorkerReply, WorkerRequest } from './worker-engine.js';

const c = workerData as WorkerConfig;
const engine = new InlineEngine({
  configDir: c.configDir,
  stateDir: c.stateDir,
  node: c.node,
  // libnftables on this thread (synchronous, see backend-lib.ts), or nft as a child process without the addon
  applier: new NftApplier({ ...(c.netns ? { netns: c.netns } : {}) }),
  facts: (now) => hostFacts(c.common, now).facts,
  compileFacts: c.compileFacts,
  strict: c.strict,
  ...(c.ssh ? { ssh: c.ssh } : {}),
});

parentPort!.on('message', (m: WorkerRequest) => {
  const run: Promise<unknown> = m.op === 'cycle' ? engine.cycle(m.req) : m.op === 'restore' ? engine.restore() : engine.persist();
  run.then(
    (result) => parentPort!.postMessage({ id: m.id, ok: true, result } satisfies WorkerReply),
    (e: unknown) => parentPort!.postMessage({ id: m.id, ok: false, code: (e as { code?: string }).code ?? 'E_ENGINE', message: String((e as Error)?.message ?? e) } satisfies WorkerReply),
  );
});
