// Messages between the KMS main thread and its crypto workers (cryptoPool.ts, cryptoWorker.ts). A worker holds the
// prepared keys it works with; the main thread sends a key's secret once per worker, in a buffer it transfers (so no
// copy stays behind on the main thread beyond its own key cache entry), and tells the worker to zeroize it when the
// main key cache lets the key go (idle expiry, delete, lock). Nothing here is ever seen by a peer of the KMS.
import type { SignInput } from '../algorithms/algorithm.js';
import type { AlgorithmId, ErrorKind } from '../api/index.js';

/**
 * What a worker does with a key it holds: signatures of the algorithms written in JavaScript (secp256k1, ML-DSA...),
 * hundreds of microseconds each. node:crypto's signatures go to libuv's threads instead, and MACs and AES stay on the
 * main thread: for those, a message each way costs more CPU than the operation (measured, bench/README.md).
 */
export type PoolOp = 'sign';

export type PoolInput = SignInput;

export interface PoolJob {
  id: number;
  op: PoolOp;
  algorithm: AlgorithmId;
  /** The key cache's name for the key (its id, or `id#version` for an earlier version of a rotated key). */
  cacheId: string;
  input: PoolInput;
  /** Sent the first time this worker needs the key (transferred, never copied); the worker takes ownership. */
  secret?: ArrayBuffer;
  publicRaw?: Uint8Array | undefined;
}

export type ToWorker =
  | { type: 'jobs'; jobs: PoolJob[] }
  /** Zeroize and drop one key (the main cache evicted it). */
  | { type: 'forget'; cacheId: string }
  /** Zeroize and drop every key (lock, shutdown). */
  | { type: 'clear' };

export type JobOutcome =
  | { id: number; result: unknown }
  /** The worker no longer holds the key (it expired it on its own): the main thread sends it again. */
  | { id: number; missing: true }
  /** A KmsError from the algorithm file (its kind and message), or an unexpected error's class name only. */
  | { id: number; error: { kind?: ErrorKind; message?: string; name: string } };

export interface FromWorker {
  type: 'results';
  results: JobOutcome[];
}

/** Options of a worker (workerData). */
export interface WorkerSettings {
  /**
   * Idle time of the main key cache. The main thread tells the worker when it evicts a key; the worker also drops a
   * key by itself after twice this time unused, in case that word is late (a job that then finds the key gone is
   * answered `missing` and sent again with the key).
   */
  idleMs: number;
}
