// The KMS's crypto workers (issue 17): while requests queue up, the signatures of software keys whose algorithm is
// written in JavaScript (secp256k1, ML-DSA: hundreds of microseconds each) run on worker threads, one per core, so
// both cores work for the KMS while its main thread parses, checks and answers (node:crypto's own algorithms sign on
// libuv's threads instead; see poolProtocol.ts). Jobs submitted in one turn of the event loop (a coalesced line of pipelined calls, a
// crypto.batch) go to the workers as one message per worker and come back as one, so their answers leave together.
//
// Keys: a worker holds the keys it works with. The first job for a key on a worker carries a copy of the secret in
// a fresh ArrayBuffer that is transferred (detached here, owned there), made from the main key cache's entry; when
// that entry goes (idle expiry, key deleted or rotated, kms.lock), every worker is told to zeroize its copy, and
// each also expires keys on its own after the same idle time. A single call with nothing else in flight never comes
// here: it runs on the main thread, which is faster than any hop (softwareProvider.ts).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KmsError, type ErrorKind } from '../api/errors.js';
import type { FromWorker, JobOutcome, PoolJob, ToWorker, WorkerSettings } from './poolProtocol.js';

interface Waiting {
  job: PoolJob;
  /** A fresh copy of the key's secret, asked only when the chosen worker does not hold the key yet. */
  secret: () => Uint8Array;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  /** Keys (cache ids) this worker was sent and not told to forget. */
  holds: Set<string>;
  /** Jobs sent and not answered, by job id. */
  outstanding: Map<number, Waiting>;
}

export const POOL_SIZE = Math.max(1, Math.min(4, availableParallelism()));

function outcomeError(o: Extract<JobOutcome, { error: unknown }>): Error {
  if (o.error.kind) return new KmsError(o.error.kind as ErrorKind, o.error.message ?? 'the operation failed');
  const e = new Error('the operation failed in a crypto worker'); // the dispatcher makes this INTERNAL
  e.name = o.error.name;
  return e;
}

export class CryptoPool {
  private readonly slots: Slot[] = [];
  private pending: Waiting[] = [];
  private scheduled = false;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly settings: WorkerSettings,
    private readonly size: number = POOL_SIZE,
    /** The worker's compiled entry (tests running from source point at dist/). */
    private readonly entry: URL = new URL('./cryptoWorker.js', import.meta.url),
  ) {}

  /** Run one job on a worker; `secret` is called (at most once) if the chosen worker does not hold the key. */
  run(job: Omit<PoolJob, 'id' | 'secret'>, secret: () => Uint8Array): Promise<unknown> {
    if (this.closed) return Promise.reject(new KmsError('UNAVAILABLE', 'the KMS is shutting down'));
    return new Promise((resolve, reject) => this.enqueue({ job: { ...job, id: this.nextId++ }, secret, resolve, reject }));
  }

  private enqueue(w: Waiting): void {
    this.pending.push(w);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** The main cache let a key go: every worker zeroizes its copy. */
  forget(cacheId: string): void {
    for (const s of this.slots) if (s.holds.delete(cacheId)) this.post(s, { type: 'forget', cacheId });
  }

  /** Every key goes (lock). */
  clear(): void {
    for (const s of this.slots) {
      s.holds.clear();
      this.post(s, { type: 'clear' });
    }
  }

  /** Zeroize everywhere and stop the workers (shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    this.clear();
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  get started(): number {
    return this.slots.length;
  }

  private post(s: Slot, m: ToWorker, transfer: ArrayBuffer[] = []): void {
    s.worker.postMessage(m, transfer);
  }

  private start(): Slot {
    const worker = new Worker(this.entry, { workerData: this.settings });
    worker.unref(); // an idle pool never keeps the KMS alive
    const slot: Slot = { worker, holds: new Set(), outstanding: new Map() };
    worker.on('message', (m: FromWorker) => {
      for (const o of m.results) {
        const w = slot.outstanding.get(o.id);
        if (!w) continue;
        slot.outstanding.delete(o.id);
        if ('missing' in o) {
          slot.holds.delete(w.job.cacheId);
          delete w.job.secret;
          this.enqueue(w);
        } else if ('error' in o) w.reject(outcomeError(o));
        else w.resolve(o.result);
      }
    });
    const fail = (why: string) => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1); // a new worker takes its place at the next flush
      for (const w of slot.outstanding.values()) w.reject(new KmsError('INTERNAL', `a crypto worker ${why}`));
      slot.outstanding.clear();
    };
    worker.on('error', (e) => {
      process.stderr.write(`owkms: crypto worker failed: ${e.name}\n`);
      fail('failed');
    });
    worker.on('exit', () => fail('exited'));
    this.slots.push(slot);
    return slot;
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.pending;
    this.pending = [];
    if (this.closed) {
      for (const w of waiting) w.reject(new KmsError('UNAVAILABLE', 'the KMS is shutting down'));
      return;
    }
    while (this.slots.length < this.size) this.start();
    // Least loaded first, counting what this flush has already given each worker.
    const load = this.slots.map((s) => s.outstanding.size);
    const groups = this.slots.map(() => ({ jobs: [] as PoolJob[], transfer: [] as ArrayBuffer[] }));
    for (const w of waiting) {
      let i = 0;
      for (let j = 1; j < load.length; j++) if (load[j]! < load[i]!) i = j;
      load[i]!++;
      const slot = this.slots[i]!;
      const job = w.job;
      if (!slot.holds.has(job.cacheId)) {
        try {
          const copy = w.secret();
          job.secret = copy.buffer as ArrayBuffer;
          groups[i]!.transfer.push(job.secret);
        } catch (e) {
          w.reject(e);
          continue;
        }
        slot.holds.add(job.cacheId);
      }
      slot.outstanding.set(job.id, w);
      groups[i]!.jobs.push(job);
    }
    groups.forEach((g, i) => {
      if (g.jobs.length > 0) this.post(this.slots[i]!, { type: 'jobs', jobs: g.jobs }, g.transfer);
    });
  }
}
