// ML-KEM-768 (FIPS 203) on @noble/post-quantum: encapsulate to the public key, decapsulate with the private one.
// secret = the 64-byte keygen seed d||z (FIPS 203 ML-KEM.KeyGen_internal), publicRaw = the 1184-byte encapsulation key.
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { randomBytes } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, Encapsulation, ExportFormat, ImportFormat, KeyMaterial } from './algorithm.js';
import { akpJwkExport, akpJwkImport, PQ_OIDS, spkiDecode, spkiEncode, spkiPrefix, type AkpKeyType } from './pqKeyEncoding.js';
import {
  b64u,
  importBytes,
  invalid,
  loadStored,
  parsePublic,
  parseSecret,
  requireLength,
  requireSecret,
  sameBytes,
  unsupported,
} from './specChecks.js';

const ID = 'ml-kem-768';
const JOSE_ALG = 'ML-KEM-768';
const SEED_BYTES = 64;
const PK_BYTES = ml_kem768.lengths.publicKey!;
const CT_BYTES = ml_kem768.lengths.cipherText!;
const PREFIX = spkiPrefix(PQ_OIDS[ID], PK_BYTES);

export interface MlKemPublicKey {
  readonly publicKey: Uint8Array;
}
export interface MlKemPrivateKey extends MlKemPublicKey {
  readonly secretKey: Uint8Array;
}

const fromSeed = (seed: Uint8Array) => parseSecret(`${ID} seed`, () => ml_kem768.keygen(requireLength(seed, SEED_BYTES, `${ID} seed`)));

/** FIPS 203 section 7.2 input check: the right length, and every coefficient reduced mod q (noble checks that). */
function checkPublic(pk: Uint8Array): Uint8Array {
  requireLength(pk, PK_BYTES, `${ID} public key`);
  parsePublic(`${ID} public key`, () => ml_kem768.encapsulate(pk));
  return pk;
}

const AKP: AkpKeyType = { id: ID, joseAlg: JOSE_ALG, pkBytes: PK_BYTES, seedBytes: SEED_BYTES, checkPublic, publicFromSeed: (seed) => fromSeed(seed).publicKey };

function publicOf(material: KeyMaterial): Uint8Array {
  return material.publicRaw ? checkPublic(material.publicRaw) : fromSeed(requireSecret(material, ID)).publicKey;
}

export const mlKem768Spec: AlgorithmSpec<MlKemPrivateKey, MlKemPublicKey> = {
  id: ID,
  type: 'asymmetric',
  operations: ['encapsulate', 'decapsulate'],

  generate(): KeyMaterial {
    const seed = new Uint8Array(randomBytes(SEED_BYTES));
    return { secret: seed, publicRaw: fromSeed(seed).publicKey };
  },

  loadPrivate(material: KeyMaterial): MlKemPrivateKey {
    const seed = requireSecret(material, ID);
    return loadStored(ID, () => {
      const { secretKey, publicKey } = fromSeed(seed);
      if (material.publicRaw && !sameBytes(material.publicRaw, publicKey)) throw invalid('public part does not match');
      return { secretKey, publicKey };
    });
  },

  loadPublic(publicRaw: Uint8Array): MlKemPublicKey {
    return loadStored(ID, () => ({ publicKey: checkPublic(publicRaw) }));
  },

  publicJwk(publicRaw: Uint8Array): Jwk {
    return { kty: 'AKP', alg: JOSE_ALG, pub: b64u(requireLength(publicRaw, PK_BYTES, `${ID} public key`)) };
  },

  importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
    switch (format) {
      case 'raw':
        return { publicRaw: new Uint8Array(checkPublic(importBytes(format, data))) };
      case 'raw-private': {
        // The FIPS 203 keygen seed d||z, the form the keystore keeps (and the AKP JWK's 'priv').
        const seed = new Uint8Array(requireLength(importBytes(format, data), SEED_BYTES, `${ID} raw private key (the seed d||z)`));
        return { secret: seed, publicRaw: fromSeed(seed).publicKey };
      }
      case 'spki':
        return { publicRaw: checkPublic(spkiDecode(PREFIX, PK_BYTES, importBytes(format, data), ID)) };
      case 'jwk':
        return akpJwkImport(AKP, data);
      default:
        throw unsupported(`import format '${String(format)}' is not supported for ${ID}`);
    }
  },

  exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
    const publicRaw = publicOf(material);
    switch (format) {
      case 'raw':
        return publicRaw;
      case 'spki':
        return spkiEncode(PREFIX, publicRaw);
      case 'jwk':
        return akpJwkExport(AKP, publicRaw, material, includePrivate);
      default:
        throw unsupported(`export format '${String(format)}' is not supported for ${ID}`);
    }
  },

  encapsulate(key: MlKemPublicKey): Encapsulation {
    const { cipherText, sharedSecret } = parsePublic(`${ID} public key`, () => ml_kem768.encapsulate(key.publicKey));
    return { sharedSecret, ciphertext: cipherText };
  },

  /** A wrong ciphertext of the right length gives an unrelated secret (implicit rejection, FIPS 203 section 6.3). */
  decapsulate(key: MlKemPrivateKey, ciphertext: Uint8Array): Uint8Array {
    requireLength(ciphertext, CT_BYTES, `${ID} ciphertext`);
    return ml_kem768.decapsulate(ciphertext, key.secretKey);
  },
};
