// Ed25519 (RFC 8032, pure EdDSA over the data) on node:crypto. secret = 32-byte seed, publicRaw = 32-byte key.
import { nodeSignAsync } from './nodeSignAsync.js';
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, ExportFormat, ImportFormat, KeyMaterial, SignInput, VerifyInput } from './algorithm.js';
import { didKey, solanaAddress } from './walletFormats.js';
import {
  b64u,
  expectJwkType,
  importBytes,
  importJwk,
  invalid,
  loadStored,
  jwkBytes,
  parsePublic,
  parseSecret,
  privateForExport,
  rejectOption,
  requireLength,
  requireSecret,
  sameBytes,
  unsupported,
  verifyOrFalse,
} from './specChecks.js';

const ID = 'ed25519';
// RFC 8410 section 7: an Ed25519 PKCS#8 OneAsymmetricKey is this fixed 16-byte header followed by the seed.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// RFC 8410 section 4: an Ed25519 SubjectPublicKeyInfo is this fixed 12-byte header followed by the key.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  requireLength(seed, 32, 'Ed25519 seed');
  const der = Buffer.concat([PKCS8_PREFIX, seed]);
  try {
    return parseSecret('Ed25519 seed', () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } finally {
    der.fill(0);
  }
}

/** The public key as bytes: the `x` of node's JWK export. */
function rawOf(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw invalid('Ed25519 key without a public part');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

function seedOf(key: KeyObject): Uint8Array {
  const d = key.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw invalid('Ed25519 key without a private part');
  return new Uint8Array(Buffer.from(d, 'base64url'));
}

/** 32 bytes that decode to a point of edwards25519 (RFC 8032 section 5.1.3). */
function checkPublic(raw: Uint8Array): Uint8Array {
  requireLength(raw, 32, 'Ed25519 public key');
  parsePublic('Ed25519 public key', () => ed25519.Point.fromBytes(raw).assertValidity());
  return raw;
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  checkPublic(raw);
  return parsePublic('Ed25519 public key', () =>
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(raw) }, format: 'jwk' }),
  );
}

function checkSignOptions(input: SignInput): void {
  if (input.scheme !== undefined && input.scheme !== 'eddsa') throw unsupported(`${ID} signs with 'eddsa' only`);
  rejectOption(ID, 'hash', input.hash);
  rejectOption(ID, 'context', input.context);
  // Ed25519ph (RFC 8032 prehash variant) is a different algorithm; it is not offered.
  if (input.prehashed) throw unsupported(`${ID} is pure EdDSA; 'prehashed' is not supported`);
  if (input.format !== undefined && input.format !== 'p1363') throw unsupported(`${ID} signatures are 64 bytes R||S`);
}

function publicOf(material: KeyMaterial): Uint8Array {
  if (material.publicRaw) return checkPublic(material.publicRaw);
  return rawOf(createPublicKey(privateKeyFromSeed(requireSecret(material, ID))));
}

function importKeyObject(format: 'pkcs8' | 'spki', der: Uint8Array): KeyObject {
  const key =
    format === 'pkcs8'
      ? parseSecret('PKCS#8', () => createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }))
      : parsePublic('SPKI', () => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
  if (key.asymmetricKeyType !== 'ed25519') throw invalid('the key is not an Ed25519 key');
  return key;
}

export const ed25519Spec: AlgorithmSpec<KeyObject, KeyObject> = {
  id: ID,
  type: 'asymmetric',
  operations: ['sign', 'verify'],

  generate(): KeyMaterial {
    const { privateKey } = generateKeyPairSync('ed25519');
    return { secret: seedOf(privateKey), publicRaw: rawOf(privateKey) };
  },

  loadPrivate(material: KeyMaterial): KeyObject {
    const seed = requireSecret(material, ID);
    return loadStored(ID, () => {
      const key = privateKeyFromSeed(seed);
      if (material.publicRaw && !sameBytes(material.publicRaw, rawOf(key))) throw invalid('public part does not match');
      return key;
    });
  },

  loadPublic(publicRaw: Uint8Array): KeyObject {
    return loadStored(ID, () => publicKeyObject(publicRaw));
  },

  publicJwk(publicRaw: Uint8Array): Jwk {
    return { kty: 'OKP', crv: 'Ed25519', x: b64u(checkPublic(publicRaw)) };
  },

  describe(publicRaw: Uint8Array): Record<string, string> {
    const key = checkPublic(publicRaw);
    return { solanaAddress: solanaAddress(key), didKey: didKey('ed25519', key) };
  },

  importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
    switch (format) {
      case 'jwk': {
        const jwk = importJwk(data);
        expectJwkType(jwk, 'OKP', 'Ed25519');
        const publicRaw = checkPublic(jwkBytes(jwk, 'x', 32));
        if (jwk['d'] === undefined) return { publicRaw };
        const secret = jwkBytes(jwk, 'd', 32);
        if (!sameBytes(rawOf(privateKeyFromSeed(secret)), publicRaw)) throw invalid(`JWK 'd' does not match 'x'`);
        return { secret, publicRaw };
      }
      case 'raw':
        return { publicRaw: checkPublic(new Uint8Array(importBytes(format, data))) };
      case 'spki':
        return { publicRaw: checkPublic(rawOf(importKeyObject(format, importBytes(format, data)))) };
      case 'pkcs8': {
        const key = importKeyObject(format, importBytes(format, data));
        return { secret: seedOf(key), publicRaw: rawOf(key) };
      }
      default:
        throw unsupported(`import format '${String(format)}' is not supported for ${ID}`);
    }
  },

  exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
    const publicRaw = publicOf(material);
    switch (format) {
      case 'jwk': {
        const jwk: Jwk = { kty: 'OKP', crv: 'Ed25519', x: b64u(publicRaw) };
        if (includePrivate) jwk['d'] = b64u(privateForExport(format, material, includePrivate, ID));
        return jwk;
      }
      case 'raw':
        return publicRaw;
      case 'spki':
        return new Uint8Array(Buffer.concat([SPKI_PREFIX, publicRaw]));
      case 'pkcs8': {
        const seed = requireLength(privateForExport(format, material, includePrivate, ID), 32, 'Ed25519 seed');
        const der = new Uint8Array(PKCS8_PREFIX.length + seed.length);
        der.set(PKCS8_PREFIX);
        der.set(seed, PKCS8_PREFIX.length);
        return der;
      }
      default:
        throw unsupported(`export format '${String(format)}' is not supported for ${ID}`);
    }
  },

  sign(key: KeyObject, input: SignInput): Uint8Array {
    checkSignOptions(input);
    return new Uint8Array(sign(null, input.data, key));
  },

  signAsync(key: KeyObject, input: SignInput): Promise<Uint8Array> {
    checkSignOptions(input);
    return nodeSignAsync(null, input.data, key);
  },

  verify(key: KeyObject, input: VerifyInput): boolean {
    checkSignOptions(input);
    if (input.signature.length !== 64) return false;
    return verifyOrFalse(() => verify(null, input.data, key, input.signature));
  },
};
