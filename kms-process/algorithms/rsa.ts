// RSA 2048/3072/4096 on node:crypto, one spec per size from one factory: PSS (default) and PKCS#1 v1.5 signatures,
// OAEP encryption and key wrap. secret = PKCS#8 DER, publicRaw = SPKI DER (RSA has no shorter standard raw form).
import { nodeSignAsync } from './nodeSignAsync.js';
import { DER_FORMS } from './keyInput.js';
import {
  constants,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type {
  AlgorithmSpec,
  DecryptInput,
  EncryptInput,
  EncryptOutput,
  ExportFormat,
  ImportFormat,
  KeyMaterial,
  SignInput,
  VerifyInput,
} from './algorithm.js';
import {
  importBytes,
  importJwk,
  invalid,
  isBytes,
  loadStored,
  parsePublic,
  parseSecret,
  privateForExport,
  rejectOption,
  requireSecret,
  sameBytes,
  unsupported,
  verifyOrFalse,
} from './specChecks.js';
import { digestInfo, signDigestInfo, verifyDigestInfo } from './rsaDigestInfo.js';

export type RsaId = 'rsa-2048' | 'rsa-3072' | 'rsa-4096';

export interface RsaPublicKey {
  readonly pub: KeyObject;
}
/** The private handle also carries the public key, so `encrypt`/`wrap` work with either handle. */
export interface RsaPrivateKey extends RsaPublicKey {
  readonly priv: KeyObject;
}

/** Hash -> digest bytes; PSS uses a salt as long as the digest (RFC 8017 9.1 recommendation, JOSE PS256/384/512). */
const HASH_BYTES: Readonly<Record<string, number>> = { sha256: 32, sha384: 48, sha512: 64 };
const DECRYPTION_FAILED = 'RSA-OAEP decryption failed';

interface SignPlan {
  padding: number;
  hash: string;
  saltLength?: number;
  /** PKCS#1 v1.5 over a caller's digest: the DigestInfo to pad and sign. */
  digestInfo?: Buffer;
}

function signPlan(id: RsaId, input: SignInput): SignPlan {
  rejectOption(id, 'context', input.context);
  if (input.format !== undefined) throw unsupported(`${id} signatures have one form; 'format' is not supported`);
  if (input.prehashed && input.scheme === 'pkcs1' && input.hash === undefined) {
    // PKCS#11 CKM_RSA_PKCS: the caller gives the whole encoded input (normally its DigestInfo), padded here.
    if (input.data.length > Number(id.slice(4)) / 8 - 11) throw invalid(`${id} PKCS#1 v1.5 input is longer than ${Number(id.slice(4)) / 8 - 11} bytes`);
    return { padding: constants.RSA_PKCS1_PADDING, hash: 'none', digestInfo: Buffer.from(input.data) };
  }
  const hash = input.hash ?? 'sha256';
  const bytes = HASH_BYTES[hash];
  if (bytes === undefined) throw unsupported(`${id} does not support hash '${hash}'`);
  const scheme = input.scheme ?? 'pss';
  if (input.prehashed) {
    // node:crypto has no PSS over a given digest; PKCS#1 v1.5 needs only the DigestInfo (rsaDigestInfo.ts).
    if (scheme !== 'pkcs1') throw unsupported(`${id} signs a prehashed digest with 'pkcs1' only`);
    return { padding: constants.RSA_PKCS1_PADDING, hash, digestInfo: digestInfo(hash, input.data, bytes) };
  }
  if (scheme === 'pss') return { padding: constants.RSA_PKCS1_PSS_PADDING, hash, saltLength: bytes };
  if (scheme === 'pkcs1') return { padding: constants.RSA_PKCS1_PADDING, hash };
  throw unsupported(`${id} signs with 'pss' or 'pkcs1'`);
}

function checkOaepMode(id: RsaId, mode: string | undefined): void {
  if (mode !== undefined && mode !== 'oaep') throw unsupported(`${id} encrypts with 'oaep' only`);
}

export function createRsaSpec(id: RsaId): AlgorithmSpec<RsaPrivateKey, RsaPublicKey> {
  const bits = Number(id.slice(4));

  const checkKey = <K extends KeyObject>(key: K): K => {
    if (key.asymmetricKeyType !== 'rsa') throw invalid(`the key is not an RSA key (${id})`);
    if (key.asymmetricKeyDetails?.modulusLength !== bits) throw invalid(`the key is not a ${bits}-bit RSA key`);
    return key;
  };
  const publicFromSpki = (der: Uint8Array): KeyObject =>
    checkKey(parsePublic(DER_FORMS.spki, () => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })));
  const privateFromPkcs8 = (der: Uint8Array): KeyObject =>
    checkKey(parseSecret(DER_FORMS.pkcs8, () => createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' })));
  const spkiOf = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'spki' }));
  const pkcs8Of = (key: KeyObject): Uint8Array => new Uint8Array(key.export({ format: 'der', type: 'pkcs8' }));
  const publicOf = (material: KeyMaterial): KeyObject =>
    material.publicRaw
      ? publicFromSpki(material.publicRaw)
      : createPublicKey(privateFromPkcs8(requireSecret(material, id)));

  const jwkOf = (pub: KeyObject): Jwk => {
    const { n, e } = pub.export({ format: 'jwk' });
    return { kty: 'RSA', n: String(n), e: String(e) };
  };

  const oaepEncrypt = (key: RsaPublicKey, data: Uint8Array, label?: Uint8Array): Uint8Array =>
    parsePublic(`${id} OAEP input`, () =>
      new Uint8Array(
        publicEncrypt(
          { key: key.pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', ...(label ? { oaepLabel: label } : {}) },
          data,
        ),
      ),
    );
  const oaepDecrypt = (key: RsaPrivateKey, data: Uint8Array, label?: Uint8Array): Uint8Array => {
    if (data.length !== bits / 8) throw invalid(DECRYPTION_FAILED);
    try {
      return new Uint8Array(
        privateDecrypt(
          { key: key.priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256', ...(label ? { oaepLabel: label } : {}) },
          data,
        ),
      );
    } catch {
      // One fixed answer for every failure (no padding oracle detail, Manger's attack).
      throw invalid(DECRYPTION_FAILED);
    }
  };

  return {
    id,
    type: 'asymmetric',
    operations: ['sign', 'verify', 'encrypt', 'decrypt', 'wrap', 'unwrap'],

    generate(): KeyMaterial {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: 0x10001 });
      return { secret: pkcs8Of(privateKey), publicRaw: spkiOf(publicKey) };
    },

    loadPrivate(material: KeyMaterial): RsaPrivateKey {
      const secret = requireSecret(material, id);
      return loadStored(id, () => {
        const priv = privateFromPkcs8(secret);
        const pub = createPublicKey(priv);
        if (material.publicRaw && !sameBytes(spkiOf(pub), material.publicRaw)) throw invalid('public part does not match');
        return { priv, pub };
      });
    },

    loadPublic(publicRaw: Uint8Array): RsaPublicKey {
      return loadStored(id, () => ({ pub: publicFromSpki(publicRaw) }));
    },

    publicJwk(publicRaw: Uint8Array): Jwk {
      return jwkOf(publicFromSpki(publicRaw));
    },

    importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
      switch (format) {
        case 'raw':
        case 'spki':
          return { publicRaw: spkiOf(publicFromSpki(importBytes(format, data))) };
        case 'pkcs8': {
          const priv = privateFromPkcs8(importBytes(format, data));
          return { secret: pkcs8Of(priv), publicRaw: spkiOf(createPublicKey(priv)) };
        }
        case 'jwk': {
          const jwk = importJwk(data);
          if (jwk['kty'] !== 'RSA') throw invalid(`JWK 'kty' must be 'RSA'`);
          if (jwk['d'] === undefined) {
            const pub = checkKey(parsePublic('RSA JWK', () => createPublicKey({ key: jwk as never, format: 'jwk' })));
            return { publicRaw: spkiOf(pub) };
          }
          const priv = checkKey(parseSecret('RSA JWK', () => createPrivateKey({ key: jwk as never, format: 'jwk' })));
          return { secret: pkcs8Of(priv), publicRaw: spkiOf(createPublicKey(priv)) };
        }
        case 'raw-private':
          throw unsupported(`${id} has no raw private form: import its private key as PKCS#8 (DER or PEM) or a JWK`);
        default:
          throw unsupported(`import format '${String(format)}' is not supported for ${id}`);
      }
    },

    exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
      switch (format) {
        case 'raw':
        case 'spki':
          return spkiOf(publicOf(material));
        case 'pkcs8':
          return pkcs8Of(privateFromPkcs8(privateForExport(format, material, includePrivate, id)));
        case 'jwk': {
          if (!includePrivate) return jwkOf(publicOf(material));
          const priv = privateFromPkcs8(privateForExport(format, material, includePrivate, id));
          return { ...(priv.export({ format: 'jwk' }) as Jwk), kty: 'RSA' };
        }
        default:
          throw unsupported(`export format '${String(format)}' is not supported for ${id}`);
      }
    },

    sign(key: RsaPrivateKey, input: SignInput): Uint8Array {
      const p = signPlan(id, input);
      if (p.digestInfo) return signDigestInfo(key.priv, p.digestInfo);
      return new Uint8Array(nodeSign(p.hash, input.data, { key: key.priv, padding: p.padding, saltLength: p.saltLength }));
    },

    signAsync(key: RsaPrivateKey, input: SignInput): Promise<Uint8Array> {
      const p = signPlan(id, input);
      if (p.digestInfo) return Promise.resolve(signDigestInfo(key.priv, p.digestInfo));
      return nodeSignAsync(p.hash, input.data, { key: key.priv, padding: p.padding, saltLength: p.saltLength });
    },

    /** PSS verification requires the fixed salt length (digest length), as JOSE's PS256/384/512 do. */
    verify(key: RsaPublicKey, input: VerifyInput): boolean {
      const p = signPlan(id, input);
      if (input.signature.length !== bits / 8) return false;
      if (p.digestInfo) return verifyDigestInfo(key.pub, p.digestInfo, input.signature);
      return verifyOrFalse(() =>
        nodeVerify(p.hash, input.data, { key: key.pub, padding: p.padding, saltLength: p.saltLength }, input.signature),
      );
    },

    /** OAEP with SHA-256 for both the label hash and MGF1; `aad` is the OAEP label. */
    encrypt(key: RsaPublicKey, input: EncryptInput): EncryptOutput {
      checkOaepMode(id, input.mode);
      rejectOption(id, 'iv', input.iv);
      return { ciphertext: oaepEncrypt(key, input.data, input.aad), mode: 'oaep' };
    },

    decrypt(key: RsaPrivateKey, input: DecryptInput): Uint8Array {
      checkOaepMode(id, input.mode);
      rejectOption(id, 'iv', input.iv);
      rejectOption(id, 'tag', input.tag);
      return oaepDecrypt(key, input.data, input.aad);
    },

    wrap(key: RsaPublicKey, keyToWrap: Uint8Array, mode?: string): Uint8Array {
      checkOaepMode(id, mode);
      if (!isBytes(keyToWrap) || keyToWrap.length === 0) throw invalid('nothing to wrap');
      return oaepEncrypt(key, keyToWrap);
    },

    unwrap(key: RsaPrivateKey, wrapped: Uint8Array, mode?: string): Uint8Array {
      checkOaepMode(id, mode);
      return oaepDecrypt(key, wrapped);
    },
  };
}

export const rsa2048Spec = createRsaSpec('rsa-2048');
export const rsa3072Spec = createRsaSpec('rsa-3072');
export const rsa4096Spec = createRsaSpec('rsa-4096');
