// The registry built by all.ts: every implemented algorithm, found by capability.
import { describe, expect, it } from 'vitest';
import { createAlgorithmRegistry } from '../../../kms-process/algorithms/all.js';
import { OPERATION_MEMBER } from '../../../kms-process/algorithms/algorithm.js';
import { expectKmsError } from './expectKmsError.js';

describe('createAlgorithmRegistry', () => {
  const registry = createAlgorithmRegistry();

  it('registers every algorithm of this stage', () => {
    expect(registry.ids().sort()).toEqual(
      ['aes-128', 'aes-256', 'ed25519', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'p224', 'p256', 'p384', 'p521', 'secp256k1'].sort(),
    );
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
    expectKmsError(() => registry.get('ml-kem-768'), 'UNSUPPORTED');
  });
});
