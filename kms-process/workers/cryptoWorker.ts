// A crypto worker of the KMS (cryptoPool.ts): holds the prepared keys whose secrets the main thread transferred to
// it, runs groups of operations with them, and zeroizes a key when told (main cache eviction, lock) or when it has
// been idle as long as the main cache allows. It reads no file, opens no socket and sees no request text: only the
// decoded inputs of jobs the main thread has already checked against the caller and the key's policy.
import { parentPort, workerData } from 'node:worker_threads';
import type { AlgorithmSpec } from '../algorithms/algorithm.js';
import { createAlgorithmRegistry } from '../algorithms/all.js';
import { KmsError } from '../api/errors.js';
import type { FromWorker, JobOutcome, PoolJob, ToWorker, WorkerSettings } from './poolProtocol.js';

interface Held {
  secret: Uint8Array;
  handle: unknown;
  lastUse: number;
}

const settings = workerData as WorkerSettings;
const registry = createAlgorithmRegistry();
const held = new Map<string, Held>();

function forget(cacheId: string): void {
  const h = held.get(cacheId);
  if (!h) return;
  h.secret.fill(0);
  held.delete(cacheId);
}

function handleFor(job: PoolJob, spec: AlgorithmSpec): unknown {
  if (job.secret) {
    forget(job.cacheId);
    const secret = new Uint8Array(job.secret);
    try {
      held.set(job.cacheId, { secret, handle: spec.loadPrivate({ secret, publicRaw: job.publicRaw }), lastUse: Date.now() });
    } catch (e) {
      secret.fill(0);
      throw e instanceof KmsError ? e : new KmsError('TAMPERED', 'stored key material could not be loaded');
    }
  }
  const h = held.get(job.cacheId);
  if (!h) return MISSING;
  h.lastUse = Date.now();
  return h.handle;
}

const MISSING = Symbol('missing');

function run(job: PoolJob): JobOutcome {
  try {
    const spec = registry.forOperation(job.algorithm, job.op);
    const key = handleFor(job, spec);
    if (key === MISSING) return { id: job.id, missing: true };
    return { id: job.id, result: spec.sign!(key, job.input) };
  } catch (e) {
    if (e instanceof KmsError) return { id: job.id, error: { kind: e.kind, message: e.message, name: e.name } };
    return { id: job.id, error: { name: e instanceof Error ? e.name : typeof e } };
  }
}

const port = parentPort!;
port.on('message', (m: ToWorker) => {
  if (m.type === 'forget') forget(m.cacheId);
  else if (m.type === 'clear') for (const id of [...held.keys()]) forget(id);
  else {
    const out: FromWorker = { type: 'results', results: m.jobs.map(run) };
    port.postMessage(out);
  }
});

// The worker's own expiry, in case the main thread's word is late (see WorkerSettings).
const sweep = setInterval(() => {
  const now = Date.now();
  for (const [id, h] of held) if (now - h.lastUse >= 2 * settings.idleMs) forget(id);
}, Math.max(250, settings.idleMs));
sweep.unref();
