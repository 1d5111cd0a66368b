// How long and how often the benchmark measures: the full run and `--quick` (same fields, smaller budgets).

export interface BenchSettings {
  quick: boolean;
  /** Interleaved rounds per operation; each figure is the median over rounds. */
  rounds: number;
  /** Wall-clock budget of one throughput measurement. */
  throughputMs: number;
  /** Warm-up budget before an operation's first round (JIT, key caches, token handles). */
  warmupMs: number;
  /** Warm-up of each fresh KMS child before the first operation (its whole request path is cold). */
  childWarmupMs: number;
  /** Sequential round trips per round and transport, and the time they may take (slow operations get fewer). */
  seqSamples: number;
  seqMs: number;
  inflight: number;
  batchItems: number;
  scaleKeys: readonly number[];
  /** Fresh KMS children per keystore size (unlock and first sign are medians over them). */
  scaleRuns: number;
  /** Sequential signs per path of the app path (renderer -> broker -> KMS). */
  appPathCalls: number;
}

export function settingsFor(quick: boolean): BenchSettings {
  const common = { inflight: 64, batchItems: 256, scaleKeys: [10, 1_000_000], scaleRuns: 3 } as const;
  return quick
    ? { quick, rounds: 4, throughputMs: 120, warmupMs: 200, childWarmupMs: 600, seqSamples: 250, seqMs: 120, appPathCalls: 400, ...common }
    : { quick, rounds: 10, throughputMs: 400, warmupMs: 400, childWarmupMs: 2000, seqSamples: 1000, seqMs: 400, appPathCalls: 2000, ...common };
}
