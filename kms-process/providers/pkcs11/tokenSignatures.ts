// Sign/verify plans for token keys, with the same defaults and output formats as software keys (DESIGN.md
// section 9): ECDSA hashes in the KMS and returns P1363 unless `der`; EdDSA is pure; RSA is PSS-SHA256 salt 32.
import { createHash } from 'node:crypto';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { p256, p384 } from '@noble/curves/nist.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import pkcs11js from 'pkcs11js';
import { KmsError, type AlgorithmId } from '../../api/index.js';
import type { SignInput, VerifyInput } from '../../algorithms/algorithm.js';
import { CKM_EDDSA } from './pkcs11Constants.js';
import type { TokenAlgorithm } from './tokenAlgorithms.js';

const HASH_BYTES: Record<string, number> = { sha224: 28, sha256: 32, sha384: 48, sha512: 64, 'sha3-256': 32, keccak256: 32 };
const DEFAULT_EC_HASH: Partial<Record<AlgorithmId, string>> = { p256: 'sha256', p384: 'sha384', secp256k1: 'sha256' };
const CURVES = { p256, p384, secp256k1 } as const;

/** DER DigestInfo prefixes for EMSA-PKCS1-v1_5 (RFC 8017 section 9.2, note 1). */
const DIGEST_INFO: Record<string, string> = {
  sha224: '302d300d06096086480165030402040500041c',
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};
/** CKM_SHA* and CKG_MGF1_SHA* for PSS parameters (PKCS#11 2.40 section 2.1.14). */
const PSS_HASH: Record<string, { hashAlg: number; mgf: number }> = {
  sha224: { hashAlg: 0x255, mgf: 5 },
  sha256: { hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256 },
  sha384: { hashAlg: pkcs11js.CKM_SHA384, mgf: pkcs11js.CKG_MGF1_SHA384 },
  sha512: { hashAlg: pkcs11js.CKM_SHA512, mgf: pkcs11js.CKG_MGF1_SHA512 },
};

export interface SignPlan {
  mechanism: pkcs11js.Mechanism;
  /** What the token signs: a digest (ECDSA, RSA) or the message itself (EdDSA). */
  message: Buffer;
  signatureBytes: number;
  /** Token output -> the KMS's wire format. */
  finish(tokenSignature: Buffer): Uint8Array;
}

export function digest(hash: string, data: Uint8Array): Buffer {
  if (hash === 'keccak256') return Buffer.from(keccak_256(data));
  if (!(hash in HASH_BYTES)) throw new KmsError('UNSUPPORTED', `hash '${hash}' is not supported for token keys`);
  return createHash(hash).update(data).digest();
}

function messageDigest(input: SignInput, hash: string): Buffer {
  const data = Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
  if (!input.prehashed) return digest(hash, data);
  if (data.length !== HASH_BYTES[hash]) throw new KmsError('INVALID_REQUEST', `prehashed data must be a ${hash} digest`);
  return data;
}

/** `publicRaw` (SEC1 uncompressed) is needed only for secp256k1 `recoverable` signatures. */
export function planSign(alg: TokenAlgorithm, input: SignInput, publicRaw?: Uint8Array): SignPlan {
  if (alg.family === 'ec') {
    if (input.scheme !== undefined && input.scheme !== 'ecdsa') throw unsupportedScheme(alg, input.scheme);
    if (input.format === 'recoverable' && (alg.id !== 'secp256k1' || !publicRaw)) {
      throw new KmsError('UNSUPPORTED', 'recoverable signatures are for secp256k1 keys');
    }
    const curve = CURVES[alg.id as keyof typeof CURVES];
    const message = messageDigest(input, input.hash ?? (DEFAULT_EC_HASH[alg.id] as string));
    return {
      mechanism: { mechanism: pkcs11js.CKM_ECDSA },
      message,
      signatureBytes: (alg.pointBytes as number) - 1,
      finish(sig) {
        let parsed = curve.Signature.fromBytes(sig, 'compact');
        // Software secp256k1 keys sign low-S (BIP 62 / Ethereum); a token may not.
        if (alg.id === 'secp256k1' && parsed.hasHighS()) parsed = new curve.Signature(parsed.r, curve.Point.Fn.ORDER - parsed.s);
        if (input.format !== 'recoverable') return parsed.toBytes(input.format === 'der' ? 'der' : 'compact');
        // The token does not say which of the two candidate keys it used: recover both, keep the one that is ours.
        const want = Buffer.from(publicRaw as Uint8Array);
        for (const v of [0, 1]) {
          const candidate = parsed.addRecoveryBit(v).recoverPublicKey(message).toBytes(false);
          if (want.equals(candidate)) return Uint8Array.from([...parsed.toBytes('compact'), v]); // r||s||v like software keys
        }
        throw new KmsError('TOKEN_ERROR', 'token signature does not recover to the key');
      },
    };
  }
  if (alg.family === 'ed25519') {
    if (input.scheme !== undefined && input.scheme !== 'eddsa') throw unsupportedScheme(alg, input.scheme);
    if (input.prehashed || input.hash !== undefined) throw new KmsError('UNSUPPORTED', 'Ed25519 signs the message itself (pure EdDSA)');
    return {
      mechanism: { mechanism: CKM_EDDSA },
      message: Buffer.from(input.data),
      signatureBytes: 64,
      finish: (sig) => new Uint8Array(sig),
    };
  }
  if (alg.family === 'rsa') {
    const scheme = input.scheme ?? 'pss';
    const hash = input.hash ?? 'sha256';
    const pss = PSS_HASH[hash];
    const prefix = DIGEST_INFO[hash];
    if (!pss || !prefix) throw new KmsError('UNSUPPORTED', `hash '${hash}' is not supported for RSA token keys`);
    const h = messageDigest(input, hash);
    const bytes = (alg.rsaBits as number) / 8;
    if (scheme === 'pss') {
      const params: pkcs11js.RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, ...pss, saltLen: HASH_BYTES[hash] as number };
      return { mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter: params }, message: h, signatureBytes: bytes, finish: (s) => new Uint8Array(s) };
    }
    if (scheme === 'pkcs1') {
      const message = Buffer.concat([Buffer.from(prefix, 'hex'), h]);
      return { mechanism: { mechanism: pkcs11js.CKM_RSA_PKCS }, message, signatureBytes: bytes, finish: (s) => new Uint8Array(s) };
    }
    throw unsupportedScheme(alg, scheme);
  }
  throw new KmsError('UNSUPPORTED', `algorithm '${alg.id}' does not sign`);
}

export interface VerifyPlan {
  mechanism: pkcs11js.Mechanism;
  message: Buffer;
  /** The signature in the token's form, or undefined when it cannot be a valid signature (verify is false). */
  signature: Buffer | undefined;
}

export function planVerify(alg: TokenAlgorithm, input: VerifyInput): VerifyPlan {
  const plan = planSign(alg, { ...input, format: undefined });
  return { mechanism: plan.mechanism, message: plan.message, signature: tokenSignature(alg, input) };
}

/** Wire signature -> what C_Verify expects; undefined for encodings that no valid signature has. */
function tokenSignature(alg: TokenAlgorithm, input: VerifyInput): Buffer | undefined {
  const sig = input.signature;
  if (alg.family !== 'ec') return Buffer.from(sig);
  const curve = CURVES[alg.id as keyof typeof CURVES];
  try {
    let parsed;
    if (input.format === 'der') {
      parsed = curve.Signature.fromBytes(sig, 'der');
      // Only the one DER encoding counts (Wycheproof's BER variants must fail): re-encode and compare.
      if (!Buffer.from(parsed.toBytes('der')).equals(Buffer.from(sig))) return undefined;
    } else {
      parsed = curve.Signature.fromBytes(sig, 'compact');
    }
    if (alg.id === 'secp256k1' && parsed.hasHighS()) return undefined;
    return Buffer.from(parsed.toBytes('compact'));
  } catch {
    return undefined;
  }
}

function unsupportedScheme(alg: TokenAlgorithm, scheme: string): KmsError {
  return new KmsError('UNSUPPORTED', `scheme '${scheme}' is not available for ${alg.id} token keys`);
}
