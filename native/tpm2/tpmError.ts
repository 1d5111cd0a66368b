// TSS2 return codes from the tpm2 addon as a typed TpmError: the layer that failed and the TPM's own reason,
// so callers branch on `reason` (lockout, bad authValue, PCR policy, ...) instead of on numbers.

export type TpmLayer = 'tpm' | 'feature' | 'esys' | 'sys' | 'mu' | 'tcti' | 'resmgr' | 'resmgr-tpm' | 'addon' | 'unknown';

export type TpmReason =
  | 'LOCKOUT' // TPM_RC_LOCKOUT: dictionary-attack protection is active
  | 'AUTH_FAIL' // TPM_RC_AUTH_FAIL / TPM_RC_BAD_AUTH: wrong authValue (counted by DA protection)
  | 'POLICY_FAIL' // TPM_RC_POLICY_FAIL: policy (PCR values) not satisfied
  | 'INTEGRITY' // TPM_RC_INTEGRITY: blob altered or wrapped by another parent
  | 'PARENT_MISMATCH' // the storage primary differs from the one the blob was sealed under (addon check)
  | 'OBJECT_MEMORY' // TPM_RC_OBJECT_MEMORY / SESSION_MEMORY: transient slots exhausted
  | 'NV_DEFINED' // TPM_RC_NV_DEFINED
  | 'NV_UNINITIALIZED' // TPM_RC_NV_UNINITIALIZED: counter never incremented
  | 'HANDLE' // TPM_RC_HANDLE: no such NV index or object
  | 'RETRY' // TPM_RC_RETRY / YIELDED / TESTING / NV_RATE: transient, try again
  | 'IO' // the TCTI could not reach the TPM
  | 'OTHER';

const LAYERS: Record<number, TpmLayer> = {
  0: 'tpm',
  6: 'feature',
  7: 'esys',
  8: 'sys',
  9: 'mu',
  10: 'tcti',
  11: 'resmgr',
  12: 'resmgr-tpm',
};

// TPM 2.0 Library Part 2, table 16 (TPM_RC). Format-one codes carry a handle/session/parameter number in bits 8-11.
const RC_FMT1 = 0x080;
const FMT1_REASONS: Record<number, TpmReason> = {
  0x08e: 'AUTH_FAIL',
  0x0a2: 'AUTH_FAIL',
  0x09d: 'POLICY_FAIL',
  0x09f: 'INTEGRITY',
  0x08b: 'HANDLE',
};
const FMT0_REASONS: Record<number, TpmReason> = {
  0x921: 'LOCKOUT',
  0x902: 'OBJECT_MEMORY',
  0x903: 'OBJECT_MEMORY', // TPM_RC_SESSION_MEMORY
  0x904: 'OBJECT_MEMORY', // TPM_RC_MEMORY
  0x14c: 'NV_DEFINED',
  0x14a: 'NV_UNINITIALIZED',
  0x922: 'RETRY',
  0x908: 'RETRY',
  0x90a: 'RETRY',
  0x920: 'RETRY',
};

/** The TPM response code without layer bits and, for format-one codes, without the handle/parameter number. */
export function tpmBaseCode(code: number): number {
  const low = code & 0xffff;
  return low & RC_FMT1 ? low & 0x0bf : low & 0xfff;
}

function reasonFor(code: number | string, layerNum: number): TpmReason {
  if (code === 'PARENT_MISMATCH') return 'PARENT_MISMATCH';
  if (typeof code !== 'number') return 'OTHER';
  if (layerNum === 10) return 'IO';
  if (layerNum !== 0 && layerNum !== 12) return 'OTHER';
  const base = tpmBaseCode(code);
  return (base & RC_FMT1 ? FMT1_REASONS[base] : FMT0_REASONS[base]) ?? 'OTHER';
}

export class TpmError extends Error {
  override readonly name = 'TpmError';
  /** The TSS2_RC (number), or the addon's own code (string, e.g. PARENT_MISMATCH). */
  readonly code: number | string;
  readonly layer: TpmLayer;
  /** The ESYS call that failed. */
  readonly step: string;
  readonly reason: TpmReason;

  constructor(message: string, code: number | string, layerNum: number, step: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.layer = layerNum < 0 ? 'addon' : (LAYERS[layerNum] ?? 'unknown');
    this.step = step;
    this.reason = reasonFor(code, layerNum);
  }

  /** The TPM refuses authorisations until its lockout interval passes (maps to KmsError LOCKED_OUT). */
  get lockout(): boolean {
    return this.reason === 'LOCKOUT';
  }
}

interface AddonError {
  message: string;
  code?: unknown;
  layer?: unknown;
  step?: unknown;
}

/** Turns what the addon rejected with into a TpmError; argument errors (TypeError, RangeError) pass through. */
export function toTpmError(e: unknown): unknown {
  if (e instanceof TpmError || !(e instanceof Error)) return e;
  const a = e as AddonError;
  if (typeof a.code !== 'number' && typeof a.code !== 'string') return e;
  const layer = typeof a.layer === 'number' ? a.layer : -1;
  return new TpmError(a.message, a.code, layer, typeof a.step === 'string' ? a.step : '', { cause: e });
}
