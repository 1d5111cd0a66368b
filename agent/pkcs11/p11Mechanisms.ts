// The mechanisms the module offers, what each key family can do with them, and how each becomes a KMS call's options.
// CKM_RSA_PKCS signs the caller's encoded input (its DigestInfo) with PKCS#1 v1.5 padding, as every token does.
// Left out on purpose: CKM_RSA_PKCS_PSS over a caller's digest (node:crypto only signs PSS over a message), RSA
// PKCS#1 v1.5 encryption (padding oracles), CKM_AES_KEY_WRAP (the wallet's wrap keys move key material, which the
// pkcs11 caller may not), digests (the consumer's own library hashes faster), SHA-1 anywhere.
import type { KeyFamily, ObjectClass, P11Key } from './p11Objects.js';
import { CKF, CKG, CKM, CKR, CKZ_DATA_SPECIFIED, CKD_NULL } from './p11Constants.js';

export type OpKind = 'sign' | 'verify' | 'encrypt' | 'decrypt' | 'derive';
type Hash = 'sha224' | 'sha256' | 'sha384' | 'sha512';

interface MechSpec {
  type: number;
  families: readonly KeyFamily[];
  ops: readonly OpKind[];
  min: number;
  max: number;
  /** Signature and verification mechanisms that hash the data themselves (and so take it in parts). */
  hash?: Hash;
  pss?: boolean;
}

const EC_FLAGS = CKF.EC_F_P | CKF.EC_NAMEDCURVE | CKF.EC_UNCOMPRESS;
const HASH_BYTES: Record<Hash, number> = { sha224: 28, sha256: 32, sha384: 48, sha512: 64 };
const HASH_MECH: Record<number, Hash> = { [CKM.SHA224]: 'sha224', [CKM.SHA256]: 'sha256', [CKM.SHA384]: 'sha384', [CKM.SHA512]: 'sha512' };
const MGF_OF: Record<Hash, number> = { sha224: CKG.MGF1_SHA224, sha256: CKG.MGF1_SHA256, sha384: CKG.MGF1_SHA384, sha512: CKG.MGF1_SHA512 };

const EC: readonly KeyFamily[] = ['ec'];
const SIGNING: readonly OpKind[] = ['sign', 'verify'];
export const MECHANISMS: readonly MechSpec[] = [
  { type: CKM.ECDSA, families: EC, ops: SIGNING, min: 224, max: 521 },
  { type: CKM.ECDSA_SHA224, families: EC, ops: SIGNING, min: 224, max: 521, hash: 'sha224' },
  { type: CKM.ECDSA_SHA256, families: EC, ops: SIGNING, min: 224, max: 521, hash: 'sha256' },
  { type: CKM.ECDSA_SHA384, families: EC, ops: SIGNING, min: 224, max: 521, hash: 'sha384' },
  { type: CKM.ECDSA_SHA512, families: EC, ops: SIGNING, min: 224, max: 521, hash: 'sha512' },
  { type: CKM.EDDSA, families: ['edwards'], ops: SIGNING, min: 255, max: 255 },
  { type: CKM.ECDH1_DERIVE, families: ['ec', 'montgomery'], ops: ['derive'], min: 224, max: 521 },
  { type: CKM.RSA_PKCS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096 },
  { type: CKM.SHA256_RSA_PKCS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096, hash: 'sha256' },
  { type: CKM.SHA384_RSA_PKCS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096, hash: 'sha384' },
  { type: CKM.SHA512_RSA_PKCS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096, hash: 'sha512' },
  { type: CKM.SHA256_RSA_PKCS_PSS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096, hash: 'sha256', pss: true },
  { type: CKM.SHA384_RSA_PKCS_PSS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096, hash: 'sha384', pss: true },
  { type: CKM.SHA512_RSA_PKCS_PSS, families: ['rsa'], ops: SIGNING, min: 2048, max: 4096, hash: 'sha512', pss: true },
  { type: CKM.RSA_PKCS_OAEP, families: ['rsa'], ops: ['encrypt', 'decrypt'], min: 2048, max: 4096 },
  { type: CKM.AES_GCM, families: ['aes'], ops: ['encrypt', 'decrypt'], min: 16, max: 32 },
];

const OP_FLAG: Record<OpKind, number> = { sign: CKF.SIGN, verify: CKF.VERIFY, encrypt: CKF.ENCRYPT, decrypt: CKF.DECRYPT, derive: CKF.DERIVE };

/**
 * C_GetMechanismList / C_GetMechanismInfo. CKF_HW: the operation runs in the token (the wallet's KMS process), not in
 * the library loaded into the consumer (which only forwards); consumers such as pkcs11-tool --test look for it.
 */
export function mechanismInfo(): Array<{ type: number; min: number; max: number; flags: number }> {
  return MECHANISMS.map((m) => ({
    type: m.type,
    min: m.min,
    max: m.max,
    flags: m.ops.reduce<number>((f, op) => f | OP_FLAG[op], CKF.HW) | (m.families.includes('ec') ? EC_FLAGS : 0),
  }));
}

/** The KMS operation (key policy purpose) behind each PKCS#11 operation. */
const PURPOSE = { sign: 'sign', verify: 'verify', encrypt: 'encrypt', decrypt: 'decrypt', derive: 'agree' } as const;

/** CKA_ALLOWED_MECHANISMS of one object. */
export function mechanismsFor(key: P11Key, cls: ObjectClass): number[] {
  const ops: readonly OpKind[] = cls === 'public' ? ['verify', 'encrypt'] : cls === 'private' ? ['sign', 'decrypt', 'derive'] : ['encrypt', 'decrypt'];
  return MECHANISMS.filter((m) => m.families.includes(key.family) && m.ops.some((op) => ops.includes(op) && key.purposes.includes(PURPOSE[op]))).map((m) => m.type);
}

export interface MechanismInput {
  type: number;
  params?: Record<string, unknown> | undefined;
}

/** What one operation will send to the KMS; fixed at C_*Init. */
export interface OpPlan {
  kind: OpKind;
  key: P11Key;
  mech: MechSpec;
  /** Whether the data may come in parts (hashing signatures and GCM); the KMS gets it whole at the end. */
  multiPart: boolean;
  sign?: { hash?: Hash; scheme?: 'pkcs1' | 'pss'; digestInput?: boolean };
  gcm?: { iv: Buffer; aad?: Buffer | undefined };
  oaepLabel?: Buffer | undefined;
  derive?: { peer: Buffer };
}

const hex = (v: unknown): Buffer | undefined => (typeof v === 'string' && /^([0-9a-fA-F]{2})*$/.test(v) ? Buffer.from(v, 'hex') : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);

/** Check the mechanism, its parameters and the key for `kind`; a CKR code when they do not fit. */
export function planOperation(kind: OpKind, m: MechanismInput, key: P11Key): OpPlan | number {
  const mech = MECHANISMS.find((x) => x.type === m.type);
  if (!mech || !mech.ops.includes(kind)) return CKR.MECHANISM_INVALID;
  if (!mech.families.includes(key.family)) return CKR.KEY_TYPE_INCONSISTENT;
  if (!key.purposes.includes(PURPOSE[kind])) return CKR.KEY_FUNCTION_NOT_PERMITTED;
  const p = m.params;
  const plan: OpPlan = { kind, key, mech, multiPart: mech.hash !== undefined };
  switch (mech.type) {
    case CKM.ECDSA:
    case CKM.RSA_PKCS:
      if (p) return CKR.MECHANISM_PARAM_INVALID;
      plan.sign = { digestInput: true, ...(mech.type === CKM.RSA_PKCS ? { scheme: 'pkcs1' as const } : {}) };
      return plan;
    case CKM.EDDSA:
      // Pure Ed25519 only: Ed25519ph and Ed25519ctx are not offered by the KMS.
      if (p && (p.phFlag !== false || (hex(p.context)?.length ?? 0) > 0)) return CKR.MECHANISM_PARAM_INVALID;
      plan.sign = {};
      return plan;
    case CKM.RSA_PKCS_OAEP: {
      // The KMS does OAEP with SHA-256 and MGF1-SHA-256; the label is optional.
      if (!p || num(p.hashAlg) !== CKM.SHA256 || num(p.mgf) !== CKG.MGF1_SHA256) return CKR.MECHANISM_PARAM_INVALID;
      const label = hex(p.sourceData);
      if (p.source !== 0 && p.source !== CKZ_DATA_SPECIFIED) return CKR.MECHANISM_PARAM_INVALID;
      plan.oaepLabel = label && label.length > 0 ? label : undefined;
      return plan;
    }
    case CKM.AES_GCM: {
      const iv = hex(p?.iv);
      // The KMS takes 96-bit IVs and full 128-bit tags (SP 800-38D's recommendations).
      if (!p || !iv || iv.length !== 12 || num(p.tagBits) !== 128) return CKR.MECHANISM_PARAM_INVALID;
      const aad = hex(p.aad);
      plan.gcm = { iv, aad: aad && aad.length > 0 ? aad : undefined };
      plan.multiPart = true;
      return plan;
    }
    case CKM.ECDH1_DERIVE: {
      const peer = hex(p?.publicData);
      if (!p || num(p.kdf) !== CKD_NULL || (hex(p.sharedData)?.length ?? 0) > 0 || !peer) return CKR.MECHANISM_PARAM_INVALID;
      plan.derive = { peer };
      return plan;
    }
    default:
      if (mech.pss) {
        const h = mech.hash!;
        if (!p || HASH_MECH[num(p.hashAlg) ?? -1] !== h || num(p.mgf) !== MGF_OF[h] || num(p.sLen) !== HASH_BYTES[h]) return CKR.MECHANISM_PARAM_INVALID;
        plan.sign = { hash: h, scheme: 'pss' };
        return plan;
      }
      if (p) return CKR.MECHANISM_PARAM_INVALID;
      plan.sign = { hash: mech.hash!, ...(key.family === 'rsa' ? { scheme: 'pkcs1' as const } : {}) };
      return plan;
  }
}

/** RFC 8017 section 9.2 note 1: DigestInfo prefixes, to find the hash a CKM_RSA_PKCS input names (the KMS then checks
 * the digest's length against it). */
const DIGEST_INFO: ReadonlyArray<[Hash, string]> = [
  ['sha256', '3031300d060960864801650304020105000420'],
  ['sha384', '3041300d060960864801650304020205000430'],
  ['sha512', '3051300d060960864801650304020305000440'],
];

/** The KMS sign/verify options and data for a whole input; a CKR code when the input cannot be signed. */
export function signRequest(plan: OpPlan, data: Buffer): { data: Buffer; opts: Record<string, unknown> } | number {
  const s = plan.sign!;
  const format = plan.key.family === 'ec' ? { format: 'p1363' } : {};
  if (!s.digestInput) return { data, opts: { ...(s.hash ? { hash: s.hash } : {}), ...(s.scheme ? { scheme: s.scheme } : {}), ...format } };
  if (plan.key.family === 'ec') {
    const hash = (Object.keys(HASH_BYTES) as Hash[]).find((h) => HASH_BYTES[h] === data.length);
    if (!hash) return CKR.DATA_LEN_RANGE; // ECDSA over a SHA-224/256/384/512 digest
    return { data, opts: { hash, prehashed: true, ...format } };
  }
  for (const [hash, prefix] of DIGEST_INFO) {
    const pre = Buffer.from(prefix, 'hex');
    if (data.length === pre.length + HASH_BYTES[hash] && data.subarray(0, pre.length).equals(pre)) {
      return { data: data.subarray(pre.length), opts: { scheme: 'pkcs1', hash, prehashed: true } };
    }
  }
  // Any other input (another hash's DigestInfo, TLS 1.1's MD5+SHA-1) is padded and signed as given, as PKCS#11 says.
  return { data, opts: { scheme: 'pkcs1', prehashed: true } };
}

/** Output size of an operation for a given input size (an upper bound where the exact size is not known). */
export function outputLength(plan: OpPlan, inputLength: number): number {
  const k = plan.key;
  if (plan.kind === 'sign') return k.family === 'rsa' ? k.bits / 8 : k.family === 'edwards' ? 64 : 2 * Math.ceil(k.bits / 8);
  if (plan.gcm) return plan.kind === 'encrypt' ? inputLength + 16 : Math.max(0, inputLength - 16);
  return k.bits / 8; // OAEP
}
