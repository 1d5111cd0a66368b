// ECDSA and ECDH over the NIST curves P-224, P-256, P-384, P-521 (FIPS 186-4, SP 800-56A), one spec per curve.
// node:crypto signs and verifies messages; a `prehashed` digest goes to @noble/curves (node always hashes first).
import { nodeSignAsync } from './nodeSignAsync.js';
import { sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, ExportFormat, ImportFormat, KeyMaterial, SignInput, VerifyInput } from './algorithm.js';
import { EC_CURVES, type EcCurve } from './ecCurves.js';
import { ecdhAgree } from './ecdhAgree.js';
import {
  compressPoint,
  ecJwk,
  exportEcKey,
  generateEcKey,
  importEcKey,
  normalizePoint,
  pointFromScalar,
  privateKeyObject,
  publicKeyObject,
} from './ecKeyEncoding.js';
import { invalid, loadStored, rejectOption, requireSecret, sameBytes, unsupported, verifyOrFalse } from './specChecks.js';
import { didKey } from './walletFormats.js';

export type NistCurveId = 'p224' | 'p256' | 'p384' | 'p521';

export interface NistPrivateKey {
  readonly key: KeyObject;
  readonly secret: Uint8Array;
}
export interface NistPublicKey {
  readonly key: KeyObject;
  /** Uncompressed SEC1 point. */
  readonly point: Uint8Array;
}

/** Digest lengths of the hashes node:crypto can pair with ECDSA (`keccak256` is secp256k1-only). */
const HASH_BYTES: Readonly<Record<string, number>> = { sha224: 28, sha256: 32, sha384: 48, sha512: 64, 'sha3-256': 32 };

/** DESIGN.md section 9: the hash that matches the curve's strength, unless the caller names one. */
const DEFAULT_HASH: Readonly<Record<NistCurveId, string>> = {
  p224: 'sha224',
  p256: 'sha256',
  p384: 'sha384',
  p521: 'sha512',
};

interface SignOptions {
  hash: string;
  der: boolean;
}

function signOptions(id: NistCurveId, input: SignInput): SignOptions {
  rejectOption(id, 'context', input.context);
  if (input.scheme !== undefined && input.scheme !== 'ecdsa') throw unsupported(`${id} signs with 'ecdsa' only`);
  const hash = input.hash ?? DEFAULT_HASH[id];
  const digestBytes = HASH_BYTES[hash];
  if (digestBytes === undefined) throw unsupported(`${id} ECDSA does not support hash '${hash}'`);
  if (input.format !== undefined && input.format !== 'p1363' && input.format !== 'der') {
    throw unsupported(`${id} signatures come as 'p1363' or 'der'`);
  }
  if (input.prehashed && input.data.length !== digestBytes) {
    throw invalid(`a prehashed ${hash} digest must be ${digestBytes} bytes`);
  }
  return { hash, der: input.format === 'der' };
}

export function createEcdsaNistSpec(id: NistCurveId): AlgorithmSpec<NistPrivateKey, NistPublicKey> {
  const curve: EcCurve = EC_CURVES[id];
  const publicOf = (material: KeyMaterial): Uint8Array =>
    material.publicRaw ? normalizePoint(curve, material.publicRaw) : pointFromScalar(curve, requireSecret(material, id));

  return {
    id,
    type: 'asymmetric',
    operations: ['sign', 'verify', 'agree'],

    generate(): KeyMaterial {
      const { secret, point } = generateEcKey(curve);
      return { secret, publicRaw: point };
    },

    loadPrivate(material: KeyMaterial): NistPrivateKey {
      const secret = requireSecret(material, id);
      return loadStored(id, () => {
        const point = pointFromScalar(curve, secret);
        if (material.publicRaw && !sameBytes(normalizePoint(curve, material.publicRaw), point)) {
          throw invalid('public part does not match');
        }
        return { key: privateKeyObject(curve, secret), secret };
      });
    },

    loadPublic(publicRaw: Uint8Array): NistPublicKey {
      return loadStored(id, () => {
        const point = normalizePoint(curve, publicRaw);
        return { key: publicKeyObject(curve, point), point };
      });
    },

    publicJwk(publicRaw: Uint8Array): Jwk {
      return ecJwk(curve, normalizePoint(curve, publicRaw));
    },

    // did:key defines P-256 keys (multicodec p256-pub, compressed point); the other curves show nothing extra.
    ...(id === 'p256'
      ? { describe: (publicRaw: Uint8Array) => ({ didKey: didKey('p256', compressPoint(curve, publicRaw)) }) }
      : {}),

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      const { secret, point } = importEcKey(curve, format, data);
      return secret ? { secret, publicRaw: point } : { publicRaw: point };
    },

    exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
      const point = publicOf(material);
      if (format === 'raw') return point;
      return exportEcKey(curve, id, format, { secret: material.secret, point }, includePrivate);
    },

    sign(key: NistPrivateKey, input: SignInput): Uint8Array {
      const { hash, der } = signOptions(id, input);
      if (input.prehashed) {
        return curve.noble.sign(input.data, key.secret, { prehash: false, format: der ? 'der' : 'compact' });
      }
      return new Uint8Array(nodeSign(hash, input.data, { key: key.key, dsaEncoding: der ? 'der' : 'ieee-p1363' }));
    },

    async signAsync(key: NistPrivateKey, input: SignInput): Promise<Uint8Array> {
      if (input.prehashed) return this.sign!(key, input);
      const { hash, der } = signOptions(id, input);
      return nodeSignAsync(hash, input.data, { key: key.key, dsaEncoding: der ? 'der' : 'ieee-p1363' });
    },

    verify(key: NistPublicKey, input: VerifyInput): boolean {
      const { hash, der } = signOptions(id, input);
      const sig = input.signature;
      if (!der && sig.length !== 2 * curve.scalarBytes) return false;
      if (input.prehashed) {
        // High-S is valid ECDSA on the NIST curves (no low-S rule there, unlike secp256k1 wallets).
        return verifyOrFalse(() =>
          curve.noble.verify(sig, input.data, key.point, { prehash: false, lowS: false, format: der ? 'der' : 'compact' }),
        );
      }
      return verifyOrFalse(() =>
        nodeVerify(hash, input.data, { key: key.key, dsaEncoding: der ? 'der' : 'ieee-p1363' }, sig),
      );
    },

    agree(key: NistPrivateKey, peerPublic: Uint8Array | Jwk): Uint8Array {
      return ecdhAgree(curve, key.secret, peerPublic);
    },
  };
}

export const p224Spec = createEcdsaNistSpec('p224');
export const p256Spec = createEcdsaNistSpec('p256');
export const p384Spec = createEcdsaNistSpec('p384');
export const p521Spec = createEcdsaNistSpec('p521');
