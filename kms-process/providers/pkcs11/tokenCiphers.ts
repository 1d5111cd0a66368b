// Encryption, key wrapping and ECDH parameters for token keys: AES-GCM (96-bit IV, 128-bit tag), RSA-OAEP (SHA-256
// with MGF1-SHA-256 by default), AES-KWP (RFC 5649) and ECDH1 with the null KDF. Other modes are UNSUPPORTED.
import { randomBytes } from 'node:crypto';
import { p256, p384 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import pkcs11js from 'pkcs11js';
import { KmsError } from '../../api/index.js';
import type { DecryptInput, EncryptInput } from '../../algorithms/algorithm.js';
import { CKR } from './pkcs11Constants.js';
import type { TokenAlgorithm } from './tokenAlgorithms.js';

const GCM_TAG_BYTES = 16;
const CURVES = { p256, p384, secp256k1 } as const;

export interface CipherPlan {
  mechanism: pkcs11js.Mechanism;
  mode: 'gcm' | 'oaep';
  iv?: Buffer;
  /** Upper bound of the output size. */
  outputBytes: number;
}

/** SoftHSM2 2.6 implements OAEP with SHA-1 only; the KMS default stays SHA-256 and the provider can be told. */
export type OaepHash = 'sha256' | 'sha1';

function oaep(hash: OaepHash): pkcs11js.Mechanism {
  const parameter: pkcs11js.RsaOAEP = {
    type: pkcs11js.CK_PARAMS_RSA_OAEP,
    hashAlg: hash === 'sha1' ? pkcs11js.CKM_SHA_1 : pkcs11js.CKM_SHA256,
    mgf: hash === 'sha1' ? pkcs11js.CKG_MGF1_SHA1 : pkcs11js.CKG_MGF1_SHA256,
    source: 1, // CKZ_DATA_SPECIFIED, with no label
  };
  return { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter };
}

function gcm(iv: Buffer, aad: Uint8Array | undefined): pkcs11js.Mechanism {
  // The 2.40 errata layout (with ulIvBits), which SoftHSM2 2.6 and current modules read.
  const parameter: pkcs11js.GcmParams = { type: pkcs11js.CK_PARAMS_AES_GCM_v240, iv, ivBits: iv.length * 8, tagBits: GCM_TAG_BYTES * 8 };
  if (aad && aad.length > 0) parameter.aad = Buffer.from(aad);
  return { mechanism: pkcs11js.CKM_AES_GCM, parameter };
}

export function planEncrypt(alg: TokenAlgorithm, input: EncryptInput, oaepHash: OaepHash = 'sha256'): CipherPlan {
  if (alg.family === 'aes') {
    if (input.mode !== undefined && input.mode !== 'gcm') throw unsupportedMode(alg, input.mode);
    const iv = input.iv ? Buffer.from(input.iv) : randomBytes(12);
    if (iv.length !== 12) throw new KmsError('INVALID_REQUEST', 'AES-GCM on a token takes a 12-byte iv');
    return { mechanism: gcm(iv, input.aad), mode: 'gcm', iv, outputBytes: input.data.length + GCM_TAG_BYTES };
  }
  if (alg.family === 'rsa') {
    if (input.mode !== undefined && input.mode !== 'oaep') throw unsupportedMode(alg, input.mode);
    if (input.aad !== undefined || input.iv !== undefined) throw new KmsError('INVALID_REQUEST', 'RSA-OAEP takes no iv or aad');
    return { mechanism: oaep(oaepHash), mode: 'oaep', outputBytes: (alg.rsaBits as number) / 8 };
  }
  throw new KmsError('UNSUPPORTED', `algorithm '${alg.id}' does not encrypt`);
}

/** Decryption: returns the plan and the token's input (GCM wants ciphertext || tag). */
export function planDecrypt(alg: TokenAlgorithm, input: DecryptInput, oaepHash: OaepHash = 'sha256'): { plan: CipherPlan; data: Buffer } {
  if (alg.family === 'aes') {
    if (input.mode !== undefined && input.mode !== 'gcm') throw unsupportedMode(alg, input.mode);
    if (!input.iv || input.iv.length !== 12) throw new KmsError('INVALID_REQUEST', 'AES-GCM decryption needs the 12-byte iv');
    if (!input.tag || input.tag.length !== GCM_TAG_BYTES) throw new KmsError('INVALID_REQUEST', 'AES-GCM decryption needs the 16-byte tag');
    const iv = Buffer.from(input.iv);
    return {
      plan: { mechanism: gcm(iv, input.aad), mode: 'gcm', iv, outputBytes: input.data.length + GCM_TAG_BYTES },
      data: Buffer.concat([input.data, input.tag]),
    };
  }
  const plan = planEncrypt(alg, { data: input.data, mode: input.mode, iv: input.iv, aad: input.aad }, oaepHash);
  return { plan, data: Buffer.from(input.data) };
}

/** Split the token's GCM output (ciphertext || tag). */
export function splitGcm(out: Buffer): { ciphertext: Uint8Array; tag: Uint8Array } {
  return { ciphertext: new Uint8Array(out.subarray(0, out.length - GCM_TAG_BYTES)), tag: new Uint8Array(out.subarray(out.length - GCM_TAG_BYTES)) };
}

/** AES-KWP for AES keys (any length of material), RSA-OAEP for RSA keys. */
export function wrapMechanism(alg: TokenAlgorithm, oaepHash: OaepHash = 'sha256'): pkcs11js.Mechanism {
  if (alg.family === 'aes') return { mechanism: pkcs11js.CKM_AES_KEY_WRAP_PAD };
  if (alg.family === 'rsa') return oaep(oaepHash);
  throw new KmsError('UNSUPPORTED', `algorithm '${alg.id}' does not wrap keys`);
}

export function wrappedBytes(alg: TokenAlgorithm, materialBytes: number): number {
  return alg.family === 'rsa' ? (alg.rsaBits as number) / 8 : Math.ceil(materialBytes / 8) * 8 + 8;
}

/**
 * ECDH1 with the null KDF: the raw shared x-coordinate. The peer key is checked on the curve first (an
 * invalid-curve point must never reach a token that might not check it) and passed uncompressed.
 */
export function planEcdh(alg: TokenAlgorithm, peerPublicKey: Uint8Array): { mechanism: pkcs11js.Mechanism; secretBytes: number } {
  if (alg.family !== 'ec') throw new KmsError('UNSUPPORTED', `algorithm '${alg.id}' does not do ECDH on a token`);
  const curve = CURVES[alg.id as keyof typeof CURVES];
  let point: Uint8Array;
  try {
    point = curve.Point.fromBytes(peerPublicKey).toBytes(false);
  } catch (e) {
    throw new KmsError('INVALID_REQUEST', 'peer public key is not a point of the curve', { cause: e });
  }
  const parameter: pkcs11js.ECDH1 = { type: pkcs11js.CK_PARAMS_EC_DH, kdf: 1 /* CKD_NULL */, publicData: Buffer.from(point) };
  return { mechanism: { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter }, secretBytes: ((alg.pointBytes as number) - 1) / 2 };
}

/**
 * What a failed cipher call means while the token is still there: a GCM tag mismatch (SoftHSM2 says
 * CKR_GENERAL_ERROR), bad ciphertext, or OAEP parameters the token does not implement.
 */
export function cipherError(alg: TokenAlgorithm, op: string, code: number): KmsError | undefined {
  if (alg.family === 'rsa' && (code === CKR.ARGUMENTS_BAD || code === CKR.MECHANISM_PARAM_INVALID)) {
    return new KmsError('UNSUPPORTED', `the token does not implement RSA-OAEP with these parameters for ${op}`);
  }
  const dataCodes: number[] = [CKR.ENCRYPTED_DATA_INVALID, CKR.ENCRYPTED_DATA_LEN_RANGE, CKR.WRAPPED_KEY_INVALID, 0x111 /* WRAPPED_KEY_LEN_RANGE */];
  if (dataCodes.includes(code) || (alg.family === 'aes' && code === CKR.GENERAL_ERROR && (op === 'decrypt' || op === 'unwrap'))) {
    return new KmsError('INVALID_REQUEST', `${op} failed: wrong key, iv, aad, tag or data`);
  }
  return undefined;
}

function unsupportedMode(alg: TokenAlgorithm, mode: string): KmsError {
  return new KmsError('UNSUPPORTED', `mode '${mode}' is not available for ${alg.id} token keys`);
}
