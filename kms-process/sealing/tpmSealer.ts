// The `tpm` sealer: seals the 32-byte share as a TPM 2.0 sealed data object under the storage primary
// (optional authValue from the user's PIN, optional PCR policy) through the native tpm2-tss addon.
import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fromB64u, toB64u } from '../api/bytes.js';
import { KmsError } from '../api/errors.js';
import type { SealerEnrolment } from '../api/index.js';
import { TpmConnection, TpmError, tpm2Availability, type TpmInfo } from '../../native/tpm2/index.js';
import type { SealContext, SealedCopy, Sealer, SealerAvailability, UnlockSecrets } from './sealer.js';

const SECRET_LENGTH = 32;

/** Where to find the TPM: the explicit option, else $OWKMS_TCTI, else the kernel resource manager if present. */
export function defaultTcti(explicit?: string): string | undefined {
  if (explicit) return explicit;
  if (process.env.OWKMS_TCTI) return process.env.OWKMS_TCTI;
  return existsSync('/dev/tpmrm0') ? 'device:/dev/tpmrm0' : undefined;
}

interface TpmParams {
  v: 1;
  tcti: string;
  alg: 'ecc-p256';
  pcrs: number[];
  authRequired: boolean;
  /** Marshalled TPM2B_PUBLIC of the sealed object (the private part is the copy's blob). */
  public: string;
  /** Name of the storage primary: tells "another TPM" apart from "altered blob". */
  parentName: string;
}

// The sealed data is sha256(keystoreId) || share, so a copy moved to another keystore is refused.
function keystoreTag(keystoreId: string): Buffer {
  return createHash('sha256').update('owkms-tpm-seal\0').update(keystoreId).digest();
}

// The TPM keeps at most a digest-sized authValue; hashing lets a PIN of any length be used.
function authValue(pin: string, keystoreId: string): Buffer {
  return createHash('sha256').update('owkms-tpm-auth\0').update(keystoreId).update('\0').update(pin, 'utf8').digest();
}

function parseParams(params: Record<string, unknown>): TpmParams {
  const p = params as Partial<TpmParams>;
  const ok =
    p.v === 1 && typeof p.tcti === 'string' && p.alg === 'ecc-p256' && typeof p.authRequired === 'boolean' &&
    Array.isArray(p.pcrs) && p.pcrs.every((n) => Number.isInteger(n) && n >= 0 && n <= 23) &&
    typeof p.public === 'string' && fromB64u(p.public) !== undefined &&
    typeof p.parentName === 'string' && fromB64u(p.parentName) !== undefined;
  if (!ok) throw new KmsError('TAMPERED', 'TPM sealer parameters are malformed');
  return p as TpmParams;
}

export class TpmSealer implements Sealer {
  readonly kind = 'tpm' as const;
  /** A PIN is needed only for copies enrolled with `auth` (params.authRequired); see tpmCopyNeedsPin. */
  readonly needs = 'none' as const;

  constructor(private readonly opts: { tcti?: string } = {}) {}

  needsFor(copy: SealedCopy): 'pin' | 'none' {
    return tpmCopyNeedsPin(copy) ? 'pin' : 'none';
  }

  /** What backs the sealer: manufacturer, firmware and TCTI, or why there is no TPM. */
  async describe(tcti = defaultTcti(this.opts.tcti)): Promise<{ tcti: string; info: TpmInfo }> {
    const addon = tpm2Availability();
    if (!addon.available) throw new KmsError('UNAVAILABLE', addon.reason);
    if (!tcti) throw new KmsError('UNAVAILABLE', 'no TPM: /dev/tpmrm0 is absent and OWKMS_TCTI is not set');
    return withTpm(tcti, async (tpm) => ({ tcti, info: await tpm.info() }));
  }

  async availability(enrolment?: SealerEnrolment): Promise<SealerAvailability> {
    try {
      const { tcti, info } = await this.describe(enrolment?.kind === 'tpm' && enrolment.tcti ? enrolment.tcti : undefined);
      return { available: true, detail: `TPM 2.0 ${info.manufacturer} ${info.vendor} fw ${info.firmware}, ${tcti}` };
    } catch (e) {
      return { available: false, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  async seal(secret: Uint8Array, enrolment: SealerEnrolment, ctx: SealContext): Promise<SealedCopy> {
    if (enrolment.kind !== 'tpm') throw new KmsError('INVALID_REQUEST', 'not a TPM enrolment');
    if (secret.length !== SECRET_LENGTH) throw new KmsError('INVALID_REQUEST', 'TPM sealer takes 32 bytes');
    const tcti = enrolment.tcti ?? defaultTcti(this.opts.tcti);
    if (!tcti) throw new KmsError('UNAVAILABLE', 'no TPM: /dev/tpmrm0 is absent and OWKMS_TCTI is not set');
    const pcrs = [...new Set(enrolment.pcrs ?? [])].sort((a, b) => a - b);
    const auth = enrolment.auth === undefined ? undefined : authValue(enrolment.auth, ctx.keystoreId);
    const data = Buffer.concat([keystoreTag(ctx.keystoreId), secret]);
    try {
      const sealed = await withTpm(tcti, (tpm) => tpm.seal({ secret: data, auth, pcrs }));
      const params: TpmParams = {
        v: 1,
        tcti,
        alg: 'ecc-p256',
        pcrs,
        authRequired: auth !== undefined,
        public: toB64u(sealed.public),
        parentName: toB64u(sealed.parentName),
      };
      return { kind: 'tpm', params: { ...params }, blob: new Uint8Array(sealed.private) };
    } finally {
      data.fill(0);
      auth?.fill(0);
    }
  }

  async unseal(copy: SealedCopy, secrets: UnlockSecrets, ctx: SealContext): Promise<Uint8Array> {
    const p = parseParams(copy.params);
    if (p.authRequired && !secrets.pin) throw new KmsError('INVALID_REQUEST', 'this TPM copy needs the PIN');
    // An explicit TCTI (option or $OWKMS_TCTI) wins: the device may have moved since enrolment.
    const tcti = this.opts.tcti ?? process.env.OWKMS_TCTI ?? p.tcti;
    const auth = p.authRequired && secrets.pin ? authValue(secrets.pin, ctx.keystoreId) : undefined;
    let data: Buffer | undefined;
    try {
      const unsealed = await withTpm(tcti, (tpm) =>
        tpm.unseal({
          public: fromB64u(p.public)!,
          private: copy.blob,
          auth,
          pcrs: p.pcrs,
          parentName: fromB64u(p.parentName)!,
        }),
      );
      data = unsealed;
      const tag = keystoreTag(ctx.keystoreId);
      if (unsealed.length !== tag.length + SECRET_LENGTH || !timingSafeEqual(unsealed.subarray(0, tag.length), tag)) {
        throw new KmsError('TAMPERED', 'TPM sealed copy belongs to another keystore');
      }
      return new Uint8Array(unsealed.subarray(tag.length));
    } finally {
      data?.fill(0);
      auth?.fill(0);
    }
  }
}

/** Whether unsealing this copy needs the user's PIN (the TPM authValue). */
export function tpmCopyNeedsPin(copy: SealedCopy): boolean {
  return copy.params.authRequired === true;
}

async function withTpm<T>(tcti: string, fn: (tpm: TpmConnection) => Promise<T>): Promise<T> {
  let tpm: TpmConnection;
  try {
    tpm = await TpmConnection.open(tcti);
  } catch (e) {
    throw e instanceof KmsError ? e : new KmsError('UNAVAILABLE', `cannot reach the TPM at ${tcti}: ${msg(e)}`, { cause: e });
  }
  try {
    return await fn(tpm);
  } catch (e) {
    throw e instanceof KmsError ? e : await toKmsError(e, tpm);
  } finally {
    await tpm.close();
  }
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Maps a TPM failure to the KMS error contract; asks the TPM for its lockout state where that matters. */
async function toKmsError(e: unknown, tpm: TpmConnection): Promise<KmsError> {
  if (e instanceof KmsError) return e;
  if (!(e instanceof TpmError)) return new KmsError('INTERNAL', `TPM operation failed: ${msg(e)}`, { cause: e });
  const lockoutState = async () => (await tpm.info().catch(() => undefined))?.lockout;
  switch (e.reason) {
    case 'LOCKOUT': {
      const l = await lockoutState();
      const retryAfterMs = (l?.intervalSec ?? 0) * 1000;
      const how = retryAfterMs > 0 ? '' : '; only a dictionary-attack reset (lockout authorisation) clears it';
      return new KmsError('LOCKED_OUT', `TPM dictionary-attack lockout is active${how}`, { cause: e, data: { retryAfterMs } });
    }
    case 'AUTH_FAIL': {
      const l = await lockoutState();
      const data = l ? { attemptsLeft: Math.max(0, l.maxTries - l.failedTries) } : {};
      return new KmsError('WRONG_SECRET', 'the TPM refused the PIN', { cause: e, data });
    }
    case 'POLICY_FAIL':
      return new KmsError('TAMPERED', 'TPM refused: PCR values differ from those at sealing (boot state changed)', { cause: e });
    case 'PARENT_MISMATCH':
      return new KmsError('UNAVAILABLE', 'sealed by a different TPM (or this TPM was cleared)', { cause: e });
    case 'INTEGRITY':
      return new KmsError('TAMPERED', 'TPM sealed copy failed its integrity check', { cause: e });
    case 'IO':
      return new KmsError('UNAVAILABLE', `cannot reach the TPM: ${e.message}`, { cause: e });
    default:
      return new KmsError('INTERNAL', `TPM operation failed: ${e.message}`, { cause: e });
  }
}
