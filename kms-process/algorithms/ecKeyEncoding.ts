// Key import, export and JWK for the short-Weierstrass curves (NIST P-curves and secp256k1), shared by their specs.
// Points are handled uncompressed here (04||x||y); a spec may store them compressed.
import { DER } from '@noble/curves/abstract/der.js';
import { createECDH, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { ExportFormat, ImportFormat } from './algorithm.js';
import type { EcCurve } from './ecCurves.js';
import { DER_FORMS } from './keyInput.js';
import {
  b64u,
  expectJwkType,
  importBytes,
  importJwk,
  invalid,
  jwkBytes,
  parsePublic,
  parseSecret,
  privateForExport,
  unsupported,
} from './specChecks.js';

export interface EcKeyParts {
  secret?: Uint8Array;
  /** Uncompressed SEC1 point. */
  point: Uint8Array;
}

/** A new random key pair from OpenSSL. */
export function generateEcKey(curve: EcCurve): Required<EcKeyParts> {
  const ecdh = createECDH(curve.nodeCurve);
  ecdh.generateKeys();
  // getPrivateKey drops leading zero bytes; the stored scalar has the curve's fixed length.
  const secret = new Uint8Array(curve.scalarBytes);
  const d = ecdh.getPrivateKey();
  secret.set(d, curve.scalarBytes - d.length);
  d.fill(0);
  return { secret, point: new Uint8Array(ecdh.getPublicKey()) };
}

/** The uncompressed public point of a private scalar; the scalar must be in [1, n-1] with the fixed length. */
export function pointFromScalar(curve: EcCurve, secret: Uint8Array): Uint8Array {
  if (secret.length !== curve.scalarBytes || !curve.noble.utils.isValidSecretKey(secret)) {
    throw invalid(`${curve.jwkCrv} private key is not a valid scalar`);
  }
  return parseSecret(`${curve.jwkCrv} private key`, () => {
    const ecdh = createECDH(curve.nodeCurve);
    ecdh.setPrivateKey(secret);
    return new Uint8Array(ecdh.getPublicKey());
  });
}

/** A SEC1 point (compressed or uncompressed), checked to be on the curve and not infinity; returned uncompressed. */
export function normalizePoint(curve: EcCurve, bytes: Uint8Array): Uint8Array {
  const expected = [1 + curve.fieldBytes, 1 + 2 * curve.fieldBytes];
  if (!expected.includes(bytes.length)) {
    throw invalid(`${curve.jwkCrv} public key must be a SEC1 point of ${expected[0]} bytes (compressed) or ${expected[1]} (uncompressed), not ${bytes.length}`);
  }
  return parsePublic(`${curve.jwkCrv} public key`, () => {
    const p = curve.noble.Point.fromBytes(bytes);
    p.assertValidity();
    return p.toBytes(false);
  });
}

export function compressPoint(curve: EcCurve, point: Uint8Array): Uint8Array {
  return parsePublic(`${curve.jwkCrv} public key`, () => curve.noble.Point.fromBytes(point).toBytes(true));
}

/** node:crypto private key from the fixed PKCS#8 header plus the scalar. */
export function privateKeyObject(curve: EcCurve, secret: Uint8Array): KeyObject {
  const der = Buffer.concat([curve.pkcs8Prefix, secret]);
  try {
    return parseSecret(`${curve.jwkCrv} private key`, () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
  } finally {
    der.fill(0);
  }
}

/** node:crypto public key from the fixed SPKI header plus the uncompressed point. */
export function publicKeyObject(curve: EcCurve, point: Uint8Array): KeyObject {
  return parsePublic(`${curve.jwkCrv} public key`, () =>
    createPublicKey({ key: Buffer.concat([curve.spkiPrefix, point]), format: 'der', type: 'spki' }),
  );
}

export function ecJwk(curve: EcCurve, point: Uint8Array, secret?: Uint8Array): Jwk {
  const L = curve.fieldBytes;
  const jwk: Jwk = {
    kty: 'EC',
    crv: curve.jwkCrv,
    x: b64u(point.subarray(1, 1 + L)),
    y: b64u(point.subarray(1 + L, 1 + 2 * L)),
  };
  if (secret) jwk['d'] = b64u(secret);
  return jwk;
}

function checkKeyObjectCurve(curve: EcCurve, key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== curve.nodeCurve) {
    throw invalid(`the key is not a ${curve.jwkCrv} key`);
  }
}

/** The AlgorithmIdentifier (id-ecPublicKey + named curve) inside the fixed SPKI header. */
function algorithmIdentifier(curve: EcCurve): Buffer {
  const p = curve.spkiPrefix;
  const start = p[1]! < 0x80 ? 2 : 2 + (p[1]! & 0x7f);
  return p.subarray(start, start + 2 + p[start + 1]!);
}

/** DER SPKI of a compressed point (all lengths here fit DER's short form). */
function compressedSpki(curve: EcCurve, point: Uint8Array): Buffer {
  const algId = algorithmIdentifier(curve);
  const bits = Buffer.concat([Buffer.from([0x03, point.length + 1, 0x00]), point]);
  return Buffer.concat([Buffer.from([0x30, algId.length + bits.length]), algId, bits]);
}

function importSpki(curve: EcCurve, der: Uint8Array): Uint8Array {
  const imported = parsePublic(DER_FORMS.spki, () => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' }));
  checkKeyObjectCurve(curve, imported);
  // Only the canonical DER with the named curve is accepted (uncompressed or compressed point): OpenSSL also
  // parses explicit curve parameters and BER, and can map a curve with a modified cofactor to the named one
  // (Wycheproof ECDH 'UnnamedCurve' with 'NoCofactor' / 'LargeCofactor').
  for (const size of [1 + 2 * curve.fieldBytes, 1 + curve.fieldBytes]) {
    if (der.length <= size) continue;
    const tail = der.subarray(der.length - size);
    let point: Uint8Array;
    try {
      point = normalizePoint(curve, tail);
    } catch {
      continue; // not this form; the other size may fit
    }
    const canonical =
      tail.length === point.length ? Buffer.concat([curve.spkiPrefix, point]) : compressedSpki(curve, tail);
    if (canonical.equals(der) && publicKeyObject(curve, point).equals(imported)) return point;
  }
  throw invalid(`SPKI of ${curve.jwkCrv} must be DER with the named curve`);
}

function importPkcs8(curve: EcCurve, der: Uint8Array): Required<EcKeyParts> {
  const imported = parseSecret(DER_FORMS.pkcs8, () => createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' }));
  checkKeyObjectCurve(curve, imported);
  // OpenSSL re-encodes it as SEC1 ECPrivateKey (RFC 5915) with the scalar padded to its fixed length; noble's
  // DER reader takes out the scalar, and OpenSSL confirms the key rebuilt from it is the key it parsed.
  const sec1 = imported.export({ format: 'der', type: 'sec1' });
  try {
    const secret = parseSecret('PKCS#8', () => {
      const body = DER._tlv.decode(0x30, sec1).v; // ECPrivateKey ::= SEQUENCE {
      const version = DER._tlv.decode(0x02, body); //   version INTEGER { ecPrivkeyVer1(1) },
      if (version.v.length !== 1 || version.v[0] !== 1) throw invalid('unexpected ECPrivateKey version');
      return new Uint8Array(DER._tlv.decode(0x04, version.l).v); //   privateKey OCTET STRING, ... }
    });
    if (secret.length !== curve.scalarBytes || !privateKeyObject(curve, secret).equals(imported)) {
      secret.fill(0);
      throw invalid(`PKCS#8 ${curve.jwkCrv} key has an unexpected form`);
    }
    return { secret, point: pointFromScalar(curve, secret) };
  } finally {
    sec1.fill(0);
  }
}

/** A raw private key: the big-endian scalar of the curve's fixed length. */
function privateFromScalar(curve: EcCurve, bytes: Uint8Array): Required<EcKeyParts> {
  if (bytes.length !== curve.scalarBytes) {
    throw invalid(`${curve.jwkCrv} raw private key must be the ${curve.scalarBytes}-byte big-endian scalar, not ${bytes.length} bytes`);
  }
  const secret = new Uint8Array(bytes);
  return { secret, point: pointFromScalar(curve, secret) };
}

function importJwkKey(curve: EcCurve, data: Jwk): EcKeyParts {
  expectJwkType(data, 'EC', curve.jwkCrv);
  const x = jwkBytes(data, 'x', curve.fieldBytes);
  const y = jwkBytes(data, 'y', curve.fieldBytes);
  const point = normalizePoint(curve, Uint8Array.from([0x04, ...x, ...y]));
  if (data['d'] === undefined) return { point };
  const secret = jwkBytes(data, 'd', curve.scalarBytes);
  const derived = pointFromScalar(curve, secret);
  if (!Buffer.from(derived).equals(Buffer.from(point))) throw invalid(`JWK 'd' does not match 'x' and 'y'`);
  return { secret, point };
}

export function importEcKey(curve: EcCurve, format: ImportFormat, data: Uint8Array | Jwk): EcKeyParts {
  switch (format) {
    case 'jwk':
      return importJwkKey(curve, importJwk(data));
    case 'raw': {
      const bytes = importBytes(format, data);
      // A scalar never has a point's length on these curves: a raw key of the scalar's length is the private key.
      if (bytes.length === curve.scalarBytes) return privateFromScalar(curve, bytes);
      const lengths = [1 + curve.fieldBytes, 1 + 2 * curve.fieldBytes];
      if (!lengths.includes(bytes.length)) {
        throw invalid(
          `${curve.jwkCrv} raw key must be a SEC1 public point of ${lengths[0]} bytes (compressed) or ${lengths[1]} (uncompressed), ` +
            `or the ${curve.scalarBytes}-byte private scalar; not ${bytes.length} bytes`,
        );
      }
      return { point: normalizePoint(curve, bytes) };
    }
    case 'raw-private':
      return privateFromScalar(curve, importBytes(format, data));
    case 'spki':
      return { point: importSpki(curve, importBytes(format, data)) };
    case 'pkcs8':
      return importPkcs8(curve, importBytes(format, data));
    default:
      throw unsupported(`import format '${String(format)}' is not supported for ${curve.jwkCrv}`);
  }
}

/** jwk, spki and pkcs8 exports (raw is the spec's own public encoding). */
export function exportEcKey(
  curve: EcCurve,
  alg: string,
  format: Exclude<ExportFormat, 'raw'>,
  parts: { secret?: Uint8Array | undefined; point: Uint8Array },
  includePrivate: boolean,
): Uint8Array | Jwk {
  switch (format) {
    case 'jwk':
      return ecJwk(curve, parts.point, includePrivate ? privateForExport(format, parts, includePrivate, alg) : undefined);
    case 'spki':
      return new Uint8Array(Buffer.concat([curve.spkiPrefix, parts.point]));
    case 'pkcs8': {
      const secret = privateForExport(format, parts, includePrivate, alg);
      const der = new Uint8Array(curve.pkcs8Prefix.length + secret.length);
      der.set(curve.pkcs8Prefix);
      der.set(secret, curve.pkcs8Prefix.length);
      return der;
    }
    default:
      throw unsupported(`export format '${String(format)}' is not supported for ${alg}`);
  }
}
