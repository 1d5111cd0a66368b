// The floor isolation is measured against: the algorithm spec the KMS uses, called in the benchmark's own process
// with a key loaded once (as the KMS's key cache holds it).
import { createAlgorithmRegistry } from '../kms-process/algorithms/all.js';
import type { OpCase } from './opCases.js';
import { syncRun, type Run } from './timing.js';

export interface RawOp {
  run(budgetMs: number): Run;
}

export function prepareRawOp(c: OpCase): RawOp {
  const spec = createAlgorithmRegistry().get(c.algorithm);
  const material = spec.generate();
  const handle = spec.loadPrivate(material);
  c.raw(spec, handle); // fail here, not inside a timed loop
  return { run: (budgetMs) => syncRun(budgetMs, () => c.raw(spec, handle)) };
}
