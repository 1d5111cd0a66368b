// X25519 key agreement (RFC 7748) on node:crypto. secret = 32-byte private scalar, publicRaw = 32-byte u-coordinate.
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, ExportFormat, ImportFormat, KeyMaterial } from './algorithm.js';
import {
  b64u,
  expectJwkType,
  importBytes,
  importJwk,
  invalid,
  isBytes,
  jwkBytes,
  loadStored,
  parsePublic,
  parseSecret,
  privateForExport,
  requireLength,
  requireSecret,
  sameBytes,
  unsupported,
} from './specChecks.js';
import { didKey } from './walletFormats.js';

const ID = 'x25519';
// RFC 8410 sections 4 and 7: fixed DER headers (id-X25519 1.3.101.110) followed by the 32 key bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
const ZERO = new Uint8Array(32);

function privateKeyObject(secret: Uint8Array): KeyObject {
  requireLength(secret, 32, 'X25519 private key');
  const der = Buffer.concat([PKCS8_PREFIX, secret]);
  try {
    return parseSecret('X25519 private key', () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } finally {
    der.fill(0);
  }
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  requireLength(raw, 32, 'X25519 public key');
  return parsePublic('X25519 public key', () =>
    createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' }),
  );
}

function rawOf(key: KeyObject): Uint8Array {
  const x = key.export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw invalid('X25519 key without a public part');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

function secretOf(key: KeyObject): Uint8Array {
  const d = key.export({ format: 'jwk' }).d;
  if (typeof d !== 'string') throw invalid('X25519 key without a private part');
  return new Uint8Array(Buffer.from(d, 'base64url'));
}

function importDer(format: 'pkcs8' | 'spki', der: Uint8Array): KeyObject {
  const key =
    format === 'pkcs8'
      ? parseSecret('PKCS#8', () => createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }))
      : parsePublic('SPKI', () => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
  if (key.asymmetricKeyType !== 'x25519') throw invalid('the key is not an X25519 key');
  return key;
}

function peerBytes(peer: Uint8Array | Jwk): Uint8Array {
  if (isBytes(peer)) return requireLength(peer, 32, 'X25519 peer public key');
  const jwk = importJwk(peer);
  expectJwkType(jwk, 'OKP', 'X25519');
  if (jwk['d'] !== undefined) throw invalid('the peer key must be a public JWK');
  return jwkBytes(jwk, 'x', 32);
}

function publicOf(material: KeyMaterial): Uint8Array {
  if (material.publicRaw) return requireLength(material.publicRaw, 32, 'X25519 public key');
  return rawOf(createPublicKey(privateKeyObject(requireSecret(material, ID))));
}

export const x25519Spec: AlgorithmSpec<KeyObject, KeyObject> = {
  id: ID,
  type: 'asymmetric',
  operations: ['agree'],

  generate(): KeyMaterial {
    const { privateKey } = generateKeyPairSync('x25519');
    return { secret: secretOf(privateKey), publicRaw: rawOf(privateKey) };
  },

  loadPrivate(material: KeyMaterial): KeyObject {
    const secret = requireSecret(material, ID);
    return loadStored(ID, () => {
      const key = privateKeyObject(secret);
      if (material.publicRaw && !sameBytes(material.publicRaw, rawOf(key))) throw invalid('public part does not match');
      return key;
    });
  },

  loadPublic(publicRaw: Uint8Array): KeyObject {
    return loadStored(ID, () => publicKeyObject(publicRaw));
  },

  publicJwk(publicRaw: Uint8Array): Jwk {
    return { kty: 'OKP', crv: 'X25519', x: b64u(requireLength(publicRaw, 32, 'X25519 public key')) };
  },

  describe(publicRaw: Uint8Array): Record<string, string> {
    return { didKey: didKey('x25519', requireLength(publicRaw, 32, 'X25519 public key')) };
  },

  importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
    switch (format) {
      case 'jwk': {
        const jwk = importJwk(data);
        expectJwkType(jwk, 'OKP', 'X25519');
        const publicRaw = jwkBytes(jwk, 'x', 32);
        if (jwk['d'] === undefined) return { publicRaw };
        const secret = jwkBytes(jwk, 'd', 32);
        if (!sameBytes(rawOf(privateKeyObject(secret)), publicRaw)) throw invalid(`JWK 'd' does not match 'x'`);
        return { secret, publicRaw };
      }
      case 'raw':
        return { publicRaw: new Uint8Array(requireLength(importBytes(format, data), 32, 'X25519 public key')) };
      case 'spki':
        return { publicRaw: rawOf(importDer(format, importBytes(format, data))) };
      case 'pkcs8': {
        const key = importDer(format, importBytes(format, data));
        return { secret: secretOf(key), publicRaw: rawOf(key) };
      }
      default:
        throw unsupported(`import format '${String(format)}' is not supported for ${ID}`);
    }
  },

  exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
    const publicRaw = publicOf(material);
    switch (format) {
      case 'jwk': {
        const jwk: Jwk = { kty: 'OKP', crv: 'X25519', x: b64u(publicRaw) };
        if (includePrivate) jwk['d'] = b64u(privateForExport(format, material, includePrivate, ID));
        return jwk;
      }
      case 'raw':
        return publicRaw;
      case 'spki':
        return new Uint8Array(Buffer.concat([SPKI_PREFIX, publicRaw]));
      case 'pkcs8': {
        const secret = requireLength(privateForExport(format, material, includePrivate, ID), 32, 'X25519 key');
        const der = new Uint8Array(PKCS8_PREFIX.length + 32);
        der.set(PKCS8_PREFIX);
        der.set(secret, PKCS8_PREFIX.length);
        return der;
      }
      default:
        throw unsupported(`export format '${String(format)}' is not supported for ${ID}`);
    }
  },

  /**
   * RFC 7748 section 6.1: any 32-byte u is accepted (the top bit masked, non-canonical values reduced), and an
   * all-zero output (a low-order peer point) is refused, as section 6.1 allows and JOSE/HPKE require.
   */
  agree(key: KeyObject, peerPublic: Uint8Array | Jwk): Uint8Array {
    const peer = publicKeyObject(peerBytes(peerPublic));
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(diffieHellman({ privateKey: key, publicKey: peer }));
    } catch {
      // OpenSSL refuses the all-zero result itself; the cause could quote nothing secret, but none is needed.
      throw invalid('X25519 peer public key gives an all-zero shared secret');
    }
    if (sameBytes(shared, ZERO)) throw invalid('X25519 peer public key gives an all-zero shared secret');
    return shared;
  },
};
