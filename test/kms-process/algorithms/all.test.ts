// The registry built by all.ts: every implemented algorithm, found by capability.
import { describe, expect, it } from 'vitest';
import { createAlgorithmRegistry } from '../../../kms-process/algorithms/all.js';
import { OPERATION_MEMBER } from '../../../kms-process/algorithms/algorithm.js';
import { ALGORITHM_IDS } from '../../../kms-process/api/common.js';
import { expectKmsError } from './expectKmsError.js';

describe('createAlgorithmRegistry', () => {
  const registry = createAlgorithmRegistry();

  it('registers every algorithm id of the protocol (DESIGN.md section 3)', () => {
    expect(registry.ids().sort()).toEqual([...ALGORITHM_IDS].sort());
  });

  it('each spec implements every operation it declares, and generates keys', () => {
    for (const id of registry.ids()) {
      const spec = registry.get(id);
      expect(spec.id).toBe(id);
      for (const op of spec.operations) {
        const member = OPERATION_MEMBER[op];
        expect(member, `${id} ${op}`).toBeDefined();
        expect(typeof spec[member!], `${id} ${op}`).toBe('function');
      }
      if (spec.id === 'rsa-4096' || spec.id === 'rsa-3072') continue; // slow keygen; rsa.test.ts covers them
      const m = spec.generate();
      expect(m.secret).toBeInstanceOf(Uint8Array);
      if (spec.type === 'asymmetric') {
        expect(m.publicRaw).toBeInstanceOf(Uint8Array);
        expect(spec.publicJwk!(m.publicRaw!)).toHaveProperty('kty');
      }
    }
  });

  it('finds by capability and refuses what a spec cannot do', () => {
    expect(registry.forOperation('p256', 'sign').id).toBe('p256');
    expectKmsError(() => registry.forOperation('aes-256', 'sign'), 'UNSUPPORTED');
    expectKmsError(() => registry.forOperation('hmac-sha256', 'encrypt'), 'UNSUPPORTED');
    expectKmsError(() => registry.forOperation('ml-kem-768', 'encrypt'), 'UNSUPPORTED');
    expectKmsError(() => registry.forOperation('x25519', 'sign'), 'UNSUPPORTED');
    expectKmsError(() => registry.forOperation('ed25519', 'agree'), 'UNSUPPORTED');
    expectKmsError(() => registry.get('rsa-1024' as never), 'UNSUPPORTED');
  });
});
