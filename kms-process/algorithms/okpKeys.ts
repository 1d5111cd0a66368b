// Key encodings shared by the two RFC 8410 curves on node:crypto (Ed25519, X25519): 32-byte private and public
// parts, fixed DER headers for PKCS#8 and SPKI, OKP JWKs (RFC 8037), and the checks every import runs.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { ExportFormat, ImportFormat, KeyMaterial } from './algorithm.js';
import { DER_FORMS } from './keyInput.js';
import {
  b64u,
  expectJwkType,
  importBytes,
  importJwk,
  invalid,
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

export interface OkpCurve {
  id: 'ed25519' | 'x25519';
  /** JWK `crv` and the name used in messages. */
  crv: 'Ed25519' | 'X25519';
  /** RFC 8410 sections 7 and 4: the fixed DER headers that precede the 32 key bytes. */
  pkcs8Prefix: Buffer;
  spkiPrefix: Buffer;
  /** The curve's own check of a public key (length at least); returns it. */
  checkPublic(raw: Uint8Array): Uint8Array;
}

export function okpKeys(c: OkpCurve) {
  const what = (part: string) => `${c.crv} ${part}`;

  function privateKey(secret: Uint8Array): KeyObject {
    requireLength(secret, 32, what('private key'));
    const der = Buffer.concat([c.pkcs8Prefix, secret]);
    try {
      return parseSecret(what('private key'), () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
    } finally {
      der.fill(0);
    }
  }

  function publicKey(raw: Uint8Array): KeyObject {
    c.checkPublic(raw);
    return parsePublic(what('public key'), () => createPublicKey({ key: Buffer.concat([c.spkiPrefix, raw]), format: 'der', type: 'spki' }));
  }

  function jwkPart(key: KeyObject, member: 'x' | 'd'): Uint8Array {
    const v = key.export({ format: 'jwk' })[member];
    if (typeof v !== 'string') throw invalid(what(member === 'x' ? 'key without a public part' : 'key without a private part'));
    return new Uint8Array(Buffer.from(v, 'base64url'));
  }
  const rawOf = (key: KeyObject) => jwkPart(key, 'x');
  const secretOf = (key: KeyObject) => jwkPart(key, 'd');

  function publicOf(material: KeyMaterial): Uint8Array {
    if (material.publicRaw) return c.checkPublic(material.publicRaw);
    return rawOf(createPublicKey(privateKey(requireSecret(material, c.id))));
  }

  function importDer(format: 'pkcs8' | 'spki', der: Uint8Array): KeyObject {
    const key =
      format === 'pkcs8'
        ? parseSecret(DER_FORMS.pkcs8, () => createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }))
        : parsePublic(DER_FORMS.spki, () => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
    if (key.asymmetricKeyType !== c.id) throw invalid(`the key is not an ${c.crv} key`);
    return key;
  }

  /** A public JWK's `x`, checked (for peers and imports). */
  function jwkPublic(data: Uint8Array | Jwk): { jwk: Jwk; publicRaw: Uint8Array } {
    const jwk = importJwk(data);
    expectJwkType(jwk, 'OKP', c.crv);
    return { jwk, publicRaw: c.checkPublic(jwkBytes(jwk, 'x', 32)) };
  }

  function importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
    switch (format) {
      case 'jwk': {
        const { jwk, publicRaw } = jwkPublic(data);
        if (jwk['d'] === undefined) return { publicRaw };
        const secret = jwkBytes(jwk, 'd', 32);
        if (!sameBytes(rawOf(privateKey(secret)), publicRaw)) throw invalid(`JWK 'd' does not match 'x'`);
        return { secret, publicRaw };
      }
      case 'raw': {
        const bytes = importBytes(format, data);
        // 32 bytes either way: only the caller can say a raw key is the private one (format 'raw' with private: true).
        requireLength(bytes, 32, what('raw public key'), '; a raw private key is imported with private: true (owkms keys import --private)');
        return { publicRaw: c.checkPublic(new Uint8Array(bytes)) };
      }
      case 'raw-private': {
        const bytes = importBytes(format, data);
        // Ed25519 also as libsodium and Solana keep it: the 32-byte private key followed by its public key.
        const pair = c.id === 'ed25519' && bytes.length === 64;
        if (!pair) requireLength(bytes, 32, what('raw private key'), c.id === 'ed25519' ? ' (or 64: private key then public key)' : '');
        const secret = new Uint8Array(bytes.subarray(0, 32));
        const publicRaw = rawOf(privateKey(secret));
        if (pair && !sameBytes(publicRaw, bytes.subarray(32))) {
          secret.fill(0);
          throw invalid(what('raw key pair: its second half is not the public key of its first'));
        }
        return { secret, publicRaw };
      }
      case 'spki':
        return { publicRaw: c.checkPublic(rawOf(importDer(format, importBytes(format, data)))) };
      case 'pkcs8': {
        const key = importDer(format, importBytes(format, data));
        return { secret: secretOf(key), publicRaw: rawOf(key) };
      }
      default:
        throw unsupported(`import format '${String(format)}' is not supported for ${c.id}`);
    }
  }

  function exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
    const publicRaw = publicOf(material);
    switch (format) {
      case 'jwk': {
        const jwk: Jwk = { kty: 'OKP', crv: c.crv, x: b64u(publicRaw) };
        if (includePrivate) jwk['d'] = b64u(privateForExport(format, material, includePrivate, c.id));
        return jwk;
      }
      case 'raw':
        return publicRaw;
      case 'spki':
        return new Uint8Array(Buffer.concat([c.spkiPrefix, publicRaw]));
      case 'pkcs8': {
        const secret = requireLength(privateForExport(format, material, includePrivate, c.id), 32, what('private key'));
        const der = new Uint8Array(c.pkcs8Prefix.length + 32);
        der.set(c.pkcs8Prefix);
        der.set(secret, c.pkcs8Prefix.length);
        return der;
      }
      default:
        throw unsupported(`export format '${String(format)}' is not supported for ${c.id}`);
    }
  }

  const publicJwk = (raw: Uint8Array): Jwk => ({ kty: 'OKP', crv: c.crv, x: b64u(c.checkPublic(raw)) });

  function generate(): KeyMaterial {
    const { privateKey: key } = c.id === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('x25519');
    return { secret: secretOf(key), publicRaw: rawOf(key) };
  }

  /** The stored key as a KeyObject, checked against its stored public part. */
  function loadPrivate(material: KeyMaterial): KeyObject {
    const secret = requireSecret(material, c.id);
    return loadStored(c.id, () => {
      const key = privateKey(secret);
      if (material.publicRaw && !sameBytes(material.publicRaw, rawOf(key))) throw invalid('public part does not match');
      return key;
    });
  }

  const loadPublic = (raw: Uint8Array): KeyObject => loadStored(c.id, () => publicKey(raw));

  /** The spec members both curves implement the same way. */
  const specMembers = { generate, loadPrivate, loadPublic, publicJwk, importKey, exportKey };

  return { privateKey, publicKey, rawOf, secretOf, publicOf, jwkPublic, specMembers };
}
