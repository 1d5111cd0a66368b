// The passphrase sealer: Argon2id turns the passphrase into a wrapping key; AES-256-GCM wraps the master-key share.
// The KDF parameters are stored with the copy, authenticated as associated data, and floored on read.
import argon2 from 'argon2';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fromB64u, toB64u } from '../api/bytes.js';
import { KmsError } from '../api/errors.js';
import type { SealerEnrolment } from '../api/index.js';
import { canonical } from '../keystore/canonical.js';
import type { SealContext, SealedCopy, Sealer, UnlockSecrets } from './sealer.js';

export interface Argon2Params {
  alg: 'argon2id';
  /** memory in KiB */
  m: number;
  t: number;
  p: number;
  salt: string;
  iv: string;
}

/** RFC 9106's second recommended option (64 MiB, t=3, p=4): about 125 ms here. */
export const DEFAULT_ARGON2 = { m: 65536, t: 3, p: 4 } as const;
/** Below this a stored copy is refused as tampered: OWASP's Argon2id minimum (19 MiB, t=2). */
export const ARGON2_FLOOR = { m: 19456, t: 2, p: 1 } as const;
const ARGON2_CEILING = { m: 4 * 1024 * 1024, t: 64, p: 64 } as const;

function aad(ctx: SealContext, params: Omit<Argon2Params, 'iv'>): Buffer {
  return canonical('owkms/passphrase-sealer/v1', [ctx.keystoreId, params.alg, params.m, params.t, params.p, params.salt]);
}

async function deriveKey(passphrase: string, params: Omit<Argon2Params, 'iv'>, salt: Buffer): Promise<Buffer> {
  // NFC so the same passphrase typed on another OS (composed vs decomposed accents) still unlocks.
  const pass = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  try {
    return await argon2.hash(pass, {
      type: argon2.argon2id,
      raw: true,
      salt,
      memoryCost: params.m,
      timeCost: params.t,
      parallelism: params.p,
      hashLength: 32,
    });
  } finally {
    pass.fill(0);
  }
}

function readParams(raw: Record<string, unknown>): Argon2Params {
  const { alg, m, t, p, salt, iv } = raw;
  const ints = [m, t, p].every((x) => Number.isSafeInteger(x));
  if (alg !== 'argon2id' || !ints || typeof salt !== 'string' || typeof iv !== 'string') {
    throw new KmsError('CORRUPT', 'passphrase sealer parameters are unreadable');
  }
  const params = raw as unknown as Argon2Params;
  if (params.m < ARGON2_FLOOR.m || params.t < ARGON2_FLOOR.t || params.p < ARGON2_FLOOR.p) {
    throw new KmsError('TAMPERED', 'passphrase sealer parameters are below the floor this KMS ever writes');
  }
  if (params.m > ARGON2_CEILING.m || params.t > ARGON2_CEILING.t || params.p > ARGON2_CEILING.p) {
    throw new KmsError('TAMPERED', 'passphrase sealer parameters are out of range');
  }
  return params;
}

export class PassphraseSealer implements Sealer {
  readonly kind = 'passphrase' as const;
  readonly needs = 'passphrase' as const;

  constructor(private readonly cost: { m: number; t: number; p: number } = DEFAULT_ARGON2) {
    if (cost.m < ARGON2_FLOOR.m || cost.t < ARGON2_FLOOR.t || cost.p < ARGON2_FLOOR.p) {
      throw new Error('Argon2 cost below the floor');
    }
  }

  async availability() {
    return { available: true, detail: `Argon2id m=${this.cost.m} KiB t=${this.cost.t} p=${this.cost.p}` };
  }

  async seal(secret: Uint8Array, enrolment: SealerEnrolment, ctx: SealContext): Promise<SealedCopy> {
    if (enrolment.kind !== 'passphrase') throw new KmsError('INTERNAL', 'wrong enrolment for the passphrase sealer');
    const salt = randomBytes(16);
    const base = { alg: 'argon2id' as const, ...this.cost, salt: toB64u(salt) };
    const key = await deriveKey(enrolment.passphrase, base, salt);
    try {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(ctx, base));
      const blob = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
      return { kind: 'passphrase', params: { ...base, iv: toB64u(iv) }, blob };
    } finally {
      key.fill(0);
    }
  }

  async unseal(copy: SealedCopy, secrets: UnlockSecrets, ctx: SealContext): Promise<Uint8Array> {
    if (secrets.passphrase === undefined) throw new KmsError('INVALID_REQUEST', 'a passphrase is needed to unlock');
    const params = readParams(copy.params);
    const salt = fromB64u(params.salt);
    const iv = fromB64u(params.iv);
    if (!salt || salt.length < 16 || !iv || iv.length !== 12 || copy.blob.length !== 32 + 16) {
      throw new KmsError('CORRUPT', 'passphrase sealer copy is malformed');
    }
    const key = await deriveKey(secrets.passphrase, params, salt);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAAD(aad(ctx, params));
      decipher.setAuthTag(copy.blob.subarray(32));
      const out = decipher.update(copy.blob.subarray(0, 32));
      decipher.final();
      return out;
    } catch {
      // GCM cannot tell a wrong passphrase from an edited salt or blob; the keystore's row MACs catch the latter
      // once any sealer unlocks.
      throw new KmsError('WRONG_SECRET', 'wrong passphrase');
    } finally {
      key.fill(0);
    }
  }
}
