// Clocks and statistics for the benchmark: throughput loops (sync, pipelined, batched), per-call latencies,
// medians and percentiles. Every loop runs for a wall-clock budget rather than a fixed count, so slow and fast
// operations take the same time.
import { performance } from 'node:perf_hooks';

/** Microseconds from a `performance.now()` reading. */
export function usSince(startMs: number): number {
  return (performance.now() - startMs) * 1000;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0..100) of unsorted values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** What a throughput loop did: operations completed in a wall-clock time. */
export interface Run {
  ops: number;
  ms: number;
}

export function perSecond(r: Run): number {
  return r.ops / (r.ms / 1000);
}

/** A synchronous function called back to back for `budgetMs`. */
export function syncRun(budgetMs: number, once: () => void): Run {
  const start = performance.now();
  const deadline = start + budgetMs;
  let n = 0;
  // Read the clock every 8 calls: cheap next to the slowest operation, fine-grained next to the budget.
  for (;;) {
    for (let i = 0; i < 8; i++) once();
    n += 8;
    if (performance.now() >= deadline) break;
  }
  return { ops: n, ms: performance.now() - start };
}

/** Calls with `inflight` of them outstanding at all times until the budget is spent. */
export async function pipelinedRun(budgetMs: number, inflight: number, call: () => Promise<unknown>): Promise<Run> {
  const start = performance.now();
  const deadline = start + budgetMs;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await call();
      done++;
    }
  };
  await Promise.all(Array.from({ length: inflight }, lane));
  return { ops: done, ms: performance.now() - start };
}

/** Calls that each carry `items` operations, one call at a time (at least one call). */
export async function batchedRun(budgetMs: number, items: number, call: () => Promise<unknown>): Promise<Run> {
  const start = performance.now();
  const deadline = start + budgetMs;
  let calls = 0;
  while (calls < 1 || performance.now() < deadline) {
    await call();
    calls++;
  }
  return { ops: calls * items, ms: performance.now() - start };
}

/** Round-trip times in microseconds of calls made one at a time: `count` of them, or fewer (at least 10) when
 *  they do not fit in `budgetMs`. */
export async function sequentialLatenciesUs(count: number, budgetMs: number, call: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  const deadline = performance.now() + budgetMs;
  while (out.length < count && (out.length < 10 || performance.now() < deadline)) {
    const t = performance.now();
    await call();
    out.push(usSince(t));
  }
  return out;
}
