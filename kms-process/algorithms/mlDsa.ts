// ML-DSA-44/65/87 (FIPS 204) on @noble/post-quantum, one spec per parameter set. secret = the 32-byte keygen seed
// (FIPS 204 ML-DSA.KeyGen_internal input; the expanded key is rebuilt on load), publicRaw = the encoded public key.
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { randomBytes } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, ExportFormat, ImportFormat, KeyMaterial, SignInput, VerifyInput } from './algorithm.js';
import { akpJwkExport, akpJwkImport, PQ_OIDS, spkiDecode, spkiEncode, spkiPrefix, type AkpKeyType } from './pqKeyEncoding.js';
import {
  b64u,
  importBytes,
  invalid,
  loadStored,
  parseSecret,
  rejectOption,
  requireLength,
  requireSecret,
  sameBytes,
  unsupported,
  verifyOrFalse,
} from './specChecks.js';

export type MlDsaId = 'ml-dsa-44' | 'ml-dsa-65' | 'ml-dsa-87';
export interface MlDsaPrivateKey {
  readonly secretKey: Uint8Array;
}
export interface MlDsaPublicKey {
  readonly publicKey: Uint8Array;
}

const IMPL = { 'ml-dsa-44': ml_dsa44, 'ml-dsa-65': ml_dsa65, 'ml-dsa-87': ml_dsa87 } as const;
/** JOSE/COSE names (draft-ietf-cose-dilithium: kty 'AKP', members 'pub' and 'priv' = the seed). */
const JOSE_ALG = { 'ml-dsa-44': 'ML-DSA-44', 'ml-dsa-65': 'ML-DSA-65', 'ml-dsa-87': 'ML-DSA-87' } as const;
const SEED_BYTES = 32;
const MAX_CONTEXT = 255; // FIPS 204 section 5.2: ctx is at most 255 bytes

function checkOptions(id: MlDsaId, input: SignInput): Uint8Array | undefined {
  if (input.scheme !== undefined && input.scheme !== 'ml-dsa') throw unsupported(`${id} signs with 'ml-dsa' only`);
  rejectOption(id, 'hash', input.hash);
  // HashML-DSA (the pre-hash variant) is a different signature; it is not offered.
  if (input.prehashed) throw unsupported(`${id} is pure ML-DSA; 'prehashed' is not supported`);
  rejectOption(id, 'format', input.format);
  if (input.context && input.context.length > MAX_CONTEXT) throw invalid(`${id} context is at most ${MAX_CONTEXT} bytes`);
  return input.context;
}

export function createMlDsaSpec(id: MlDsaId): AlgorithmSpec<MlDsaPrivateKey, MlDsaPublicKey> {
  const impl = IMPL[id];
  const pkBytes = impl.lengths.publicKey!;
  const sigBytes = impl.lengths.signature!;
  const prefix = spkiPrefix(PQ_OIDS[id], pkBytes);
  const checkPublic = (pk: Uint8Array): Uint8Array => requireLength(pk, pkBytes, `${id} public key`);
  const fromSeed = (seed: Uint8Array) => parseSecret(`${id} seed`, () => impl.keygen(requireLength(seed, SEED_BYTES, `${id} seed`)));
  const akp: AkpKeyType = { id, joseAlg: JOSE_ALG[id], pkBytes, seedBytes: SEED_BYTES, checkPublic, publicFromSeed: (seed) => fromSeed(seed).publicKey };
  const publicOf = (material: KeyMaterial): Uint8Array =>
    material.publicRaw ? checkPublic(material.publicRaw) : fromSeed(requireSecret(material, id)).publicKey;

  return {
    id,
    type: 'asymmetric',
    operations: ['sign', 'verify'],

    generate(): KeyMaterial {
      const seed = new Uint8Array(randomBytes(SEED_BYTES));
      return { secret: seed, publicRaw: fromSeed(seed).publicKey };
    },

    loadPrivate(material: KeyMaterial): MlDsaPrivateKey {
      const seed = requireSecret(material, id);
      return loadStored(id, () => {
        const { secretKey, publicKey } = fromSeed(seed);
        if (material.publicRaw && !sameBytes(material.publicRaw, publicKey)) throw invalid('public part does not match');
        return { secretKey };
      });
    },

    loadPublic(publicRaw: Uint8Array): MlDsaPublicKey {
      return loadStored(id, () => ({ publicKey: checkPublic(publicRaw) }));
    },

    publicJwk(publicRaw: Uint8Array): Jwk {
      return { kty: 'AKP', alg: JOSE_ALG[id], pub: b64u(checkPublic(publicRaw)) };
    },

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      switch (format) {
        case 'raw':
          return { publicRaw: new Uint8Array(checkPublic(importBytes(format, data))) };
        case 'raw-private': {
          // The FIPS 204 keygen seed, the form the keystore keeps (and the AKP JWK's 'priv').
          const seed = new Uint8Array(requireLength(importBytes(format, data), SEED_BYTES, `${id} raw private key (the seed)`));
          return { secret: seed, publicRaw: fromSeed(seed).publicKey };
        }
        case 'spki':
          return { publicRaw: spkiDecode(prefix, pkBytes, importBytes(format, data), id) };
        case 'jwk':
          return akpJwkImport(akp, data);
        default:
          throw unsupported(`import format '${String(format)}' is not supported for ${id}`);
      }
    },

    exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
      const publicRaw = publicOf(material);
      switch (format) {
        case 'raw':
          return publicRaw;
        case 'spki':
          return spkiEncode(prefix, publicRaw);
        case 'jwk':
          return akpJwkExport(akp, publicRaw, material, includePrivate);
        default:
          throw unsupported(`export format '${String(format)}' is not supported for ${id}`);
      }
    },

    /** Hedged signing (FIPS 204's default: fresh randomness mixed with the key). */
    sign(key: MlDsaPrivateKey, input: SignInput): Uint8Array {
      const context = checkOptions(id, input);
      return impl.sign(input.data, key.secretKey, context ? { context } : {});
    },

    verify(key: MlDsaPublicKey, input: VerifyInput): boolean {
      const context = checkOptions(id, input);
      if (input.signature.length !== sigBytes) return false;
      return verifyOrFalse(() => impl.verify(input.signature, input.data, key.publicKey, context ? { context } : {}));
    },
  };
}

export const mlDsa44Spec = createMlDsaSpec('ml-dsa-44');
export const mlDsa65Spec = createMlDsaSpec('ml-dsa-65');
export const mlDsa87Spec = createMlDsaSpec('ml-dsa-87');
