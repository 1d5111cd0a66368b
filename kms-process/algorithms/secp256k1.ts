// secp256k1 on @noble/curves: ECDSA (RFC 6979, low-S) in p1363, DER or recoverable form, EIP-191 personal_sign,
// BIP340 Schnorr, ECDH (OpenSSL), wallet addresses. secret = 32-byte scalar, publicRaw = 33-byte compressed point.
import { schnorr, secp256k1 } from '@noble/curves/secp256k1.js';
import { sha224, sha256, sha384, sha512 } from '@noble/hashes/sha2.js';
import { keccak_256, sha3_256 } from '@noble/hashes/sha3.js';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec, ExportFormat, ImportFormat, KeyMaterial, SignInput, VerifyInput } from './algorithm.js';
import { EC_CURVES } from './ecCurves.js';
import { ecdhAgree } from './ecdhAgree.js';
import { compressPoint, ecJwk, exportEcKey, importEcKey, normalizePoint, pointFromScalar } from './ecKeyEncoding.js';
import { invalid, loadStored, rejectOption, requireSecret, sameBytes, unsupported, verifyOrFalse } from './specChecks.js';
import { bitcoinP2tr, bitcoinP2wpkh, didKey, ethereumAddress } from './walletFormats.js';

const curve = EC_CURVES.secp256k1;
const ID = 'secp256k1';

export interface Secp256k1PrivateKey {
  readonly secret: Uint8Array;
  readonly publicRaw: Uint8Array;
}
export interface Secp256k1PublicKey {
  /** Compressed SEC1 point (33 bytes). */
  readonly compressed: Uint8Array;
  /** BIP340 x-only key (32 bytes). */
  readonly xOnly: Uint8Array;
}

const HASHES: Readonly<Record<string, (data: Uint8Array) => Uint8Array>> = {
  sha256,
  keccak256: keccak_256,
  'sha3-256': sha3_256,
  sha224,
  sha384,
  sha512,
};
const HASH_BYTES: Readonly<Record<string, number>> = {
  sha256: 32,
  keccak256: 32,
  'sha3-256': 32,
  sha224: 28,
  sha384: 48,
  sha512: 64,
};

type Plan =
  | { scheme: 'bip340' }
  | { scheme: 'ecdsa'; digest: Uint8Array; format: 'p1363' | 'der' | 'recoverable' }
  | { scheme: 'eip191'; digest: Uint8Array };

/** EIP-191 version 0x45 (personal_sign): keccak256("\x19Ethereum Signed Message:\n" + decimal length + message). */
export function eip191Digest(message: Uint8Array): Uint8Array {
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${message.length}`);
  const buf = new Uint8Array(prefix.length + message.length);
  buf.set(prefix);
  buf.set(message, prefix.length);
  return keccak_256(buf);
}

function plan(input: SignInput): Plan {
  rejectOption(ID, 'context', input.context);
  if (input.scheme === 'eip191') {
    // The message is the data as given; the scheme fixes its hash and its 65-byte r||s||v output.
    if (input.hash !== undefined && input.hash !== 'keccak256') throw unsupported(`EIP-191 hashes with keccak256 only`);
    if (input.prehashed) throw unsupported(`EIP-191 hashes the prefixed message itself; 'prehashed' is not supported`);
    if (input.format !== undefined && input.format !== 'recoverable') throw unsupported(`EIP-191 signatures are 65 bytes`);
    return { scheme: 'eip191', digest: eip191Digest(input.data) };
  }
  if (input.scheme === 'bip340') {
    // BIP340 signs `data` as its message m exactly as given (usually a 32-byte digest the caller made), so a
    // hash choice has no meaning and `prehashed` changes nothing.
    if (input.hash !== undefined) throw unsupported(`BIP340 fixes its own tagged hashes; 'hash' is not supported`);
    if (input.format !== undefined && input.format !== 'p1363') throw unsupported(`BIP340 signatures are 64 bytes`);
    return { scheme: 'bip340' };
  }
  if (input.scheme !== undefined && input.scheme !== 'ecdsa') {
    throw unsupported(`${ID} signs with 'ecdsa', 'eip191' or 'bip340'`);
  }
  const hash = input.hash ?? 'sha256';
  const fn = HASHES[hash];
  const bytes = HASH_BYTES[hash];
  if (!fn || bytes === undefined) throw unsupported(`${ID} ECDSA does not support hash '${hash}'`);
  if (input.prehashed && input.data.length !== bytes) throw invalid(`a prehashed ${hash} digest must be ${bytes} bytes`);
  const format = input.format ?? 'p1363';
  if (format !== 'p1363' && format !== 'der' && format !== 'recoverable') {
    throw unsupported(`${ID} signatures come as 'p1363', 'der' or 'recoverable'`);
  }
  return { scheme: 'ecdsa', digest: input.prehashed ? input.data : fn(input.data), format };
}

/** noble's 'recovered' layout is v||r||s; ours (Ethereum's, minus the 27 offset) is r||s||v with v 0 or 1. */
function toRecoverable(nobleRecovered: Uint8Array): Uint8Array {
  const out = new Uint8Array(65);
  out.set(nobleRecovered.subarray(1), 0);
  out[64] = nobleRecovered[0] ?? 0;
  return out;
}

function publicOf(material: KeyMaterial): Uint8Array {
  if (material.publicRaw) return compressPoint(curve, normalizePoint(curve, material.publicRaw));
  return compressPoint(curve, pointFromScalar(curve, requireSecret(material, ID)));
}

export const secp256k1Spec: AlgorithmSpec<Secp256k1PrivateKey, Secp256k1PublicKey> = {
  id: ID,
  type: 'asymmetric',
  operations: ['sign', 'verify', 'agree'],

  generate(): KeyMaterial {
    const secret = secp256k1.utils.randomSecretKey();
    return { secret, publicRaw: secp256k1.getPublicKey(secret, true) };
  },

  loadPrivate(material: KeyMaterial): Secp256k1PrivateKey {
    const secret = requireSecret(material, ID);
    return loadStored(ID, () => {
      const publicRaw = compressPoint(curve, pointFromScalar(curve, secret));
      if (material.publicRaw && !sameBytes(publicOf({ publicRaw: material.publicRaw }), publicRaw)) {
        throw invalid('public part does not match');
      }
      return { secret, publicRaw };
    });
  },

  loadPublic(publicRaw: Uint8Array): Secp256k1PublicKey {
    return loadStored(ID, () => {
      const compressed = compressPoint(curve, normalizePoint(curve, publicRaw));
      return { compressed, xOnly: compressed.subarray(1) };
    });
  },

  publicJwk(publicRaw: Uint8Array): Jwk {
    return ecJwk(curve, normalizePoint(curve, publicRaw));
  },

  describe(publicRaw: Uint8Array): Record<string, string> {
    const compressed = publicOf({ publicRaw });
    return {
      ethereumAddress: ethereumAddress(compressed),
      bitcoinP2wpkh: bitcoinP2wpkh(compressed),
      bitcoinP2tr: bitcoinP2tr(compressed),
      didKey: didKey('secp256k1', compressed),
    };
  },

  importKey(format: ImportFormat, data: Uint8Array | Jwk): KeyMaterial {
    const { secret, point } = importEcKey(curve, format, data);
    const publicRaw = compressPoint(curve, point);
    return secret ? { secret, publicRaw } : { publicRaw };
  },

  exportKey(format: ExportFormat, material: KeyMaterial, includePrivate: boolean): Uint8Array | Jwk {
    const compressed = publicOf(material);
    if (format === 'raw') return compressed;
    const point = normalizePoint(curve, compressed);
    return exportEcKey(curve, ID, format, { secret: material.secret, point }, includePrivate);
  },

  sign(key: Secp256k1PrivateKey, input: SignInput): Uint8Array {
    const p = plan(input);
    if (p.scheme === 'bip340') return schnorr.sign(input.data, key.secret);
    if (p.scheme === 'eip191') {
      // Wallets (eth_sign / personal_sign, ecrecover callers) expect v = 27 + recovery bit.
      const sig = toRecoverable(secp256k1.sign(p.digest, key.secret, { prehash: false, lowS: true, format: 'recovered' }));
      sig[64] = 27 + (sig[64] ?? 0);
      return sig;
    }
    // RFC 6979 deterministic nonces; lowS: true normalises s to the lower half (BIP62 / EIP-2).
    if (p.format === 'recoverable') {
      return toRecoverable(secp256k1.sign(p.digest, key.secret, { prehash: false, lowS: true, format: 'recovered' }));
    }
    const format = p.format === 'der' ? 'der' : 'compact';
    return secp256k1.sign(p.digest, key.secret, { prehash: false, lowS: true, format });
  },

  /**
   * Verification policy (pinned by tests):
   * - ecdsa p1363/der accept high-S signatures: they are valid ECDSA (SEC 1, X9.62), Wycheproof marks them valid,
   *   and OpenSSL and Java accept them. This KMS only ever produces low-S.
   * - ecdsa recoverable requires low-S and v in {0, 1} that recovers this key, as Ethereum (EIP-2) does.
   * - eip191 like recoverable over the EIP-191 digest, with v in {27, 28} (what wallets produce).
   * - bip340 per BIP340 with the x-only key.
   */
  verify(key: Secp256k1PublicKey, input: VerifyInput): boolean {
    const p = plan(input);
    const sig = input.signature;
    if (p.scheme === 'bip340') {
      if (sig.length !== 64) return false;
      return verifyOrFalse(() => schnorr.verify(sig, input.data, key.xOnly));
    }
    if (p.scheme === 'eip191' || p.format === 'recoverable') {
      const offset = p.scheme === 'eip191' ? 27 : 0;
      const v = (sig[64] ?? -1) - offset;
      if (sig.length !== 65 || (v !== 0 && v !== 1)) return false;
      const nobleRecovered = new Uint8Array(65);
      nobleRecovered[0] = v;
      nobleRecovered.set(sig.subarray(0, 64), 1);
      return verifyOrFalse(() =>
        secp256k1.verify(nobleRecovered, p.digest, key.compressed, { prehash: false, lowS: true, format: 'recovered' }),
      );
    }
    if (p.format === 'p1363' && sig.length !== 64) return false;
    const format = p.format === 'der' ? 'der' : 'compact';
    return verifyOrFalse(() => secp256k1.verify(sig, p.digest, key.compressed, { prehash: false, lowS: false, format }));
  },

  agree(key: Secp256k1PrivateKey, peerPublic: Uint8Array | Jwk): Uint8Array {
    return ecdhAgree(curve, key.secret, peerPublic);
  },
};
