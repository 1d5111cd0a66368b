// Key bytes as users have them, made into what the algorithm files read (issue 9): PEM (RFC 7468) wherever DER is
// taken, SEC1 and PKCS#1 private keys, PKCS#1 public keys and X.509 certificates turned into PKCS#8 / SPKI by OpenSSL,
// and the algorithm a PKCS#8 or SPKI key names, so importing one needs no algorithm id.
import { createPrivateKey, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { AlgorithmId } from '../api/common.js';
import { invalid } from './specChecks.js';

/** What the two DER forms are, for messages. */
export const DER_FORMS = {
  pkcs8: 'PKCS#8 (DER PrivateKeyInfo, or PEM "BEGIN PRIVATE KEY")',
  spki: 'SPKI (DER SubjectPublicKeyInfo, or PEM "BEGIN PUBLIC KEY")',
} as const;

/** PEM labels each format takes, and how OpenSSL reads the ones that are not already that format. */
const LABELS: Record<'pkcs8' | 'spki', Record<string, 'as-is' | 'sec1' | 'pkcs1' | 'x509'>> = {
  pkcs8: { 'PRIVATE KEY': 'as-is', 'EC PRIVATE KEY': 'sec1', 'RSA PRIVATE KEY': 'pkcs1' },
  spki: { 'PUBLIC KEY': 'as-is', 'RSA PUBLIC KEY': 'pkcs1', CERTIFICATE: 'x509' },
};

const BEGIN = '-----BEGIN ';

/** Whether the bytes are PEM text rather than DER (which always starts with a SEQUENCE, 0x30, here). */
export function isPem(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] !== 0x30 && Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).includes(BEGIN);
}

/**
 * The one block of PEM text (RFC 7468: explanatory text may come before and after it). The armor is read here, the
 * DER inside by OpenSSL or the algorithm file; OpenSSL's own PEM reader is not used because it re-encodes the key.
 */
function pemBlock(text: string): { label: string; der: Buffer } {
  const count = text.split(BEGIN).length - 1;
  if (count !== 1) throw invalid(`PEM must hold one key block (BEGIN ... END), found ${count}`);
  const m = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n([A-Za-z0-9+/=\s]*?)-----END \1-----/.exec(text);
  if (!m) throw invalid('PEM is malformed: expected "-----BEGIN LABEL-----", base64 lines, "-----END LABEL-----"');
  const body = m[2]!.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body) || body.length % 4 !== 0) throw invalid('PEM is malformed: its body is not base64');
  return { label: m[1]!, der: Buffer.from(body, 'base64') };
}

/**
 * The DER a `format` import reads: DER as given, or the DER inside PEM text, converted by OpenSSL where the PEM
 * holds another form of the same key. Messages name labels and forms, never key bytes (no library cause either:
 * a private key's parser may quote it).
 */
export function derFor(format: 'pkcs8' | 'spki', bytes: Uint8Array): Uint8Array {
  if (!isPem(bytes)) return bytes;
  const { label: tag, der } = pemBlock(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const how = LABELS[format][tag];
  if (how === 'as-is') {
    const out = new Uint8Array(der);
    der.fill(0);
    return out;
  }
  if (how === undefined) {
    if (tag === 'ENCRYPTED PRIVATE KEY' || /ENCRYPTED/.test(tag)) {
      throw invalid('the PEM key is encrypted: decrypt it first (openssl pkey -in KEY.pem -out PLAIN.pem)');
    }
    const other = format === 'pkcs8' ? 'spki' : 'pkcs8';
    if (LABELS[other][tag] !== undefined) throw invalid(`the PEM holds a ${other === 'spki' ? 'public' : 'private'} key ("BEGIN ${tag}"): import it with format ${other}`);
    throw invalid(`PEM "BEGIN ${tag}" is not a key ${format} takes: ${Object.keys(LABELS[format]).map((l) => `"BEGIN ${l}"`).join(', ')}`);
  }
  try {
    if (how === 'x509') return new Uint8Array(new X509Certificate(der).publicKey.export({ format: 'der', type: 'spki' }));
    if (format === 'spki') return new Uint8Array(createPublicKey({ key: Buffer.from(der), format: 'der', type: 'pkcs1' }).export({ format: 'der', type: 'spki' }));
    const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: how === 'sec1' ? 'sec1' : 'pkcs1' });
    return new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
  } catch {
    throw invalid(`PEM "BEGIN ${tag}" is malformed`);
  } finally {
    if (format === 'pkcs8') der.fill(0);
  }
}

const EC_CURVES: Record<string, AlgorithmId> = {
  secp224r1: 'p224',
  prime256v1: 'p256',
  secp384r1: 'p384',
  secp521r1: 'p521',
  secp256k1: 'secp256k1',
};
const RSA_BITS: Record<number, AlgorithmId> = { 2048: 'rsa-2048', 3072: 'rsa-3072', 4096: 'rsa-4096' };

/**
 * The keystore algorithm of a PKCS#8 or SPKI key, from what OpenSSL reads in it; undefined when OpenSSL does not
 * know the key type (the post-quantum keys on Node 20), so the caller names the algorithm.
 */
export function algorithmOfDer(format: 'pkcs8' | 'spki', der: Uint8Array): AlgorithmId | undefined {
  let key: KeyObject;
  try {
    key =
      format === 'pkcs8'
        ? createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })
        : createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    return undefined; // the algorithm file reports what is wrong with it
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ed25519':
    case 'x25519':
      return key.asymmetricKeyType;
    case 'ec': {
      const alg = EC_CURVES[details.namedCurve ?? ''];
      if (!alg) throw invalid(`an EC key on curve ${details.namedCurve ?? '(unnamed)'}: the keystore takes ${Object.keys(EC_CURVES).join(', ')}`);
      return alg;
    }
    case 'rsa': {
      const alg = RSA_BITS[details.modulusLength ?? 0];
      if (!alg) throw invalid(`an RSA key of ${details.modulusLength ?? '?'} bits: the keystore takes 2048, 3072 and 4096`);
      return alg;
    }
    default:
      throw invalid(`a ${key.asymmetricKeyType ?? 'key'} key is not a key type of the keystore`);
  }
}
