// The algorithm registry: a map from wire id to spec, filled by `all.ts`. Adding an algorithm is adding a file.
import { KmsError, type AlgorithmId, type Operation } from '../api/index.js';
import type { AlgorithmSpec } from './algorithm.js';

export class AlgorithmRegistry {
  private readonly specs = new Map<AlgorithmId, AlgorithmSpec>();

  register(spec: AlgorithmSpec): void {
    if (this.specs.has(spec.id)) throw new Error(`algorithm ${spec.id} registered twice`);
    this.specs.set(spec.id, spec);
  }

  ids(): AlgorithmId[] {
    return [...this.specs.keys()];
  }

  has(id: AlgorithmId): boolean {
    return this.specs.has(id);
  }

  get(id: AlgorithmId): AlgorithmSpec {
    const spec = this.specs.get(id);
    if (!spec) throw new KmsError('UNSUPPORTED', `algorithm '${id}' is not available in this KMS`);
    return spec;
  }

  /** The spec, checked to implement `op` (capability lookup, not a switch on ids). */
  forOperation(id: AlgorithmId, op: Operation): AlgorithmSpec {
    const spec = this.get(id);
    if (!spec.operations.includes(op)) throw new KmsError('UNSUPPORTED', `algorithm '${id}' does not support '${op}'`);
    return spec;
  }
}
