// ML-KEM-768 spec: encapsulate -> decapsulate, keygen from the stored seed, implicit rejection, SPKI/JWK, and
// public-key validation (FIPS 203 modulus check). (No second ML-KEM implementation is installed.)
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { describe, expect, it } from 'vitest';
import { mlKem768Spec as spec } from '../../../kms-process/algorithms/mlKem.js';
import { expectKmsError } from './expectKmsError.js';

describe('ml-kem-768 spec', () => {
  it('generate (64-byte seed) -> encapsulate to the public key -> decapsulate gives the same secret', () => {
    const m = spec.generate();
    expect(m.secret).toHaveLength(64);
    expect(m.publicRaw).toHaveLength(1184);
    expect(ml_kem768.keygen(m.secret!).publicKey).toEqual(m.publicRaw);
    const { sharedSecret, ciphertext } = spec.encapsulate!(spec.loadPublic!(m.publicRaw!));
    expect(sharedSecret).toHaveLength(32);
    expect(ciphertext).toHaveLength(1088);
    const priv = spec.loadPrivate(m);
    expect(spec.decapsulate!(priv, ciphertext)).toEqual(sharedSecret);
    expect(ml_kem768.decapsulate(ciphertext, ml_kem768.keygen(m.secret!).secretKey)).toEqual(sharedSecret);
    // Encapsulating with noble directly, decapsulating with the spec.
    const theirs = ml_kem768.encapsulate(m.publicRaw!);
    expect(spec.decapsulate!(priv, theirs.cipherText)).toEqual(theirs.sharedSecret);
    // The private handle works for encapsulate too (it carries the public key).
    const again = spec.encapsulate!(priv);
    expect(spec.decapsulate!(priv, again.ciphertext)).toEqual(again.sharedSecret);
  });

  it('a modified ciphertext gives an unrelated secret (implicit rejection), a wrong length an error', () => {
    const m = spec.generate();
    const priv = spec.loadPrivate(m);
    const { sharedSecret, ciphertext } = spec.encapsulate!(priv);
    const bad = new Uint8Array(ciphertext);
    bad[0]! ^= 1;
    expect(spec.decapsulate!(priv, bad)).not.toEqual(sharedSecret);
    expectKmsError(() => spec.decapsulate!(priv, ciphertext.subarray(1)), 'INVALID_REQUEST');
  });

  it('key formats and bad public keys', () => {
    const m = spec.generate();
    const spki = spec.exportKey!('spki', m, false) as Uint8Array;
    expect(spki).toHaveLength(1184 + 22);
    expect(spec.importKey!('spki', spki)).toEqual({ publicRaw: m.publicRaw });
    expect(spec.importKey!('jwk', spec.exportKey!('jwk', m, true) as never)).toEqual(m);
    expectKmsError(() => spec.importKey!('raw', new Uint8Array(1183)), 'INVALID_REQUEST');
    const unreduced = new Uint8Array(m.publicRaw!);
    unreduced[0] = 0xff;
    unreduced[1] = 0xff; // first coefficient 0xfff >= q = 3329
    expectKmsError(() => spec.importKey!('raw', unreduced), 'INVALID_REQUEST');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(32) }), 'CORRUPT');
    expectKmsError(() => spec.importKey!('pkcs8', new Uint8Array(10)), 'UNSUPPORTED');
    expect(spec.sign).toBeUndefined();
  });
});
