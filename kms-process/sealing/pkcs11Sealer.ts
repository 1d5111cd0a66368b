// The `pkcs11` sealer: the 32-byte master-key share encrypted (AES-GCM, bound to the keystore id) or wrapped
// (AES-KWP) by a non-extractable AES-256 key made on the token; unsealing needs the token and its PIN.
import { KmsError, isKmsError, type SealerEnrolment } from '../api/index.js';
import { toB64u, fromB64u } from '../api/bytes.js';
import type { Pkcs11Provider } from '../providers/pkcs11/pkcs11Provider.js';
import type { StoredKeyRef } from '../providers/provider.js';
import type { SealContext, SealedCopy, Sealer, SealerAvailability, UnlockSecrets } from './sealer.js';

export type Pkcs11SealMechanism = 'aes-gcm' | 'aes-kwp';

interface Pkcs11SealParams {
  serial: string;
  ckaId: string;
  mechanism: Pkcs11SealMechanism;
  iv?: string;
}

const SECRET_BYTES = 32;

export class Pkcs11Sealer implements Sealer {
  readonly kind = 'pkcs11' as const;
  readonly needs = 'pin' as const;

  /** `mechanism`: AES-GCM (default; binds the keystore id as associated data) or AES-KWP (RFC 5649). */
  constructor(
    private readonly provider: Pkcs11Provider,
    private readonly mechanism: Pkcs11SealMechanism = 'aes-gcm',
  ) {}

  async availability(): Promise<SealerAvailability> {
    const { tokens, modules } = await this.provider.tokens.list();
    if (tokens.length === 0) {
      const loaded = modules.filter((m) => m.loaded).map((m) => m.profile);
      return { available: false, detail: loaded.length ? `no token present (modules: ${loaded.join(', ')})` : 'no PKCS#11 module loaded' };
    }
    return { available: true, detail: tokens.map((t) => `${t.label} (${t.serial}, ${t.manufacturer})`).join('; ') };
  }

  async seal(secret: Uint8Array, enrolment: SealerEnrolment, ctx: SealContext): Promise<SealedCopy> {
    if (enrolment.kind !== 'pkcs11') throw new KmsError('INVALID_REQUEST', 'pkcs11 sealer needs a pkcs11 enrolment');
    if (secret.length !== SECRET_BYTES) throw new KmsError('INVALID_REQUEST', 'the sealed secret must be 32 bytes');
    if (enrolment.pin !== undefined) await this.provider.tokens.login(enrolment.token, enrolment.pin);
    const made = await this.provider.generate(enrolment.token, 'aes-256', { label: `owkms sealer ${ctx.keystoreId}`, id: ctx.keystoreId });
    const params: Pkcs11SealParams = { serial: made.ref!.serial!, ckaId: made.ref!.ckaId!, mechanism: this.mechanism };
    const key = keyRef(params);
    if (this.mechanism === 'aes-kwp') {
      return { kind: 'pkcs11', params: { ...params }, blob: await this.provider.wrapKey(key, secret) };
    }
    const out = await this.provider.encrypt(key, { data: secret, aad: aad(params, ctx) });
    params.iv = toB64u(out.iv!);
    return { kind: 'pkcs11', params: { ...params }, blob: concat(out.ciphertext, out.tag!) };
  }

  async unseal(copy: SealedCopy, secrets: UnlockSecrets, ctx: SealContext): Promise<Uint8Array> {
    const params = parseParams(copy.params);
    if (secrets.pin === undefined) throw new KmsError('INVALID_REQUEST', 'the pkcs11 sealer needs the token PIN');
    try {
      await this.provider.tokens.login(params.serial, secrets.pin);
    } catch (e) {
      // The token is not there: the sealer is unavailable, which is not a wrong PIN.
      if (isKmsError(e, 'NOT_FOUND') || isKmsError(e, 'TOKEN_ERROR')) {
        throw new KmsError('UNAVAILABLE', `token ${params.serial} of the pkcs11 sealer is not present`, { cause: e });
      }
      throw e;
    }
    const key = keyRef(params);
    let secret: Uint8Array;
    try {
      if (params.mechanism === 'aes-kwp') {
        secret = await this.provider.unwrapKey(key, copy.blob);
      } else {
        if (copy.blob.length !== SECRET_BYTES + 16) throw new KmsError('TAMPERED', 'pkcs11 sealed copy has the wrong length');
        secret = await this.provider.decrypt(key, {
          data: copy.blob.subarray(0, SECRET_BYTES),
          tag: copy.blob.subarray(SECRET_BYTES),
          iv: fromB64u(params.iv as string),
          aad: aad(params, ctx),
        });
      }
    } catch (e) {
      if (isKmsError(e, 'INVALID_REQUEST')) throw new KmsError('TAMPERED', 'pkcs11 sealed copy does not authenticate', { cause: e });
      throw e;
    }
    if (secret.length !== SECRET_BYTES) throw new KmsError('TAMPERED', 'pkcs11 sealed copy holds a secret of the wrong size');
    return secret;
  }

  /** Destroy the sealing key on the token (needs a login, which unseal or seal left in place). */
  async forget(copy: SealedCopy): Promise<void> {
    await this.provider.destroy(keyRef(parseParams(copy.params)));
  }
}

function keyRef(p: Pkcs11SealParams): StoredKeyRef {
  return { id: `sealer-${p.ckaId}`, algorithm: 'aes-256', provider: `pkcs11:${p.serial}`, ref: { serial: p.serial, ckaId: p.ckaId } };
}

/** Binds the copy to this keystore and this token key: a copy moved elsewhere does not decrypt. */
function aad(p: Pkcs11SealParams, ctx: SealContext): Uint8Array {
  return new TextEncoder().encode(`owkms/pkcs11-sealer/v1|${ctx.keystoreId}|${p.serial}|${p.ckaId}`);
}

function parseParams(raw: Record<string, unknown>): Pkcs11SealParams {
  const { serial, ckaId, mechanism, iv } = raw;
  const ok =
    typeof serial === 'string' &&
    /^[A-Za-z0-9._-]{1,64}$/.test(serial) &&
    typeof ckaId === 'string' &&
    /^(?:[0-9a-f]{2}){1,64}$/.test(ckaId) &&
    (mechanism === 'aes-kwp' || (mechanism === 'aes-gcm' && typeof iv === 'string' && fromB64u(iv)?.length === 12));
  if (!ok) throw new KmsError('TAMPERED', 'pkcs11 sealer parameters are malformed');
  return mechanism === 'aes-gcm' ? { serial, ckaId, mechanism, iv: iv as string } : { serial, ckaId, mechanism };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
