// Per-key authorization: the key's purposes (as they take effect under usage separation), the callers it admits,
// and guarded (approval) keys. The rules themselves are data in the files beside this one.
import { KmsError } from '../api/errors.js';
import type { Caller, Operation } from '../api/index.js';
import type { KeyPolicy, KeyRecord } from '../keystore/keyTable.js';
import { keyAdmits } from './callerAdmission.js';
import { CONFIRMING_CALLERS } from './rightsChange.js';

export { keyAdmits };
import { assertMayMoveKeys, assertSeparated, defaultPurposes, effectivePurposes } from './usageSeparation.js';

/**
 * Whether `caller` sees `key` in keys.list and keys.get: the wallet's owners (main's trusted flows, the CLI) see every
 * key so they can manage it; other callers see only the keys they may use.
 */
export function keyVisibleTo(key: Pick<KeyRecord, 'policy'>, caller: Caller): boolean {
  return CONFIRMING_CALLERS.has(caller) || keyAdmits(key, caller);
}

export function authorizeKeyUse(key: KeyRecord, op: Operation, caller: Caller): void {
  if (!keyAdmits(key, caller)) {
    throw new KmsError('POLICY_DENIED', `this key does not admit caller '${caller}'`);
  }
  if (!effectivePurposes(key.policy.purposes).includes(op)) {
    throw new KmsError('POLICY_DENIED', `this key's policy does not allow '${op}'`);
  }
  if (key.policy.requiresApproval && !CONFIRMING_CALLERS.has(caller) && op !== 'verify' && op !== 'macVerify') {
    // The renderer and REST clients cannot approve on their own; main's broker asks in a trusted prompt and
    // forwards the approved call as `app`.
    throw new KmsError('APPROVAL_DENIED', 'this key needs approval in a trusted prompt');
  }
}

/**
 * Managing a key (delete, update, rotate, retire versions) from `ui` or `rest` follows the same per-key rules as
 * using it: the callers it admits, and a trusted prompt for guarded keys. Callers that speak for the user may always
 * manage a key, so a restriction the renderer set (callers without `app`) is never beyond repair.
 */
export function authorizeKeyAdmin(key: KeyRecord, caller: Caller): void {
  if (CONFIRMING_CALLERS.has(caller)) return;
  if (!keyAdmits(key, caller)) {
    throw new KmsError('POLICY_DENIED', `this key does not admit caller '${caller}'`);
  }
  if (key.policy.requiresApproval) {
    throw new KmsError('APPROVAL_DENIED', 'changing this key needs approval in a trusted prompt');
  }
}

export interface PolicyFlags {
  purposes?: Operation[] | undefined;
  exportable?: boolean | undefined;
  requiresApproval?: boolean | undefined;
  callers?: Caller[] | undefined;
  allowRawAgreement?: boolean | undefined;
}

/**
 * A key's policy from request flags: purposes default to what the algorithm can do apart from moving keys, and
 * must keep key moving apart from every other use. `derivationPath` marks material known outside (shared secrets).
 */
export function newKeyPolicy(supported: readonly Operation[], flags: PolicyFlags, derivationPath?: string): KeyPolicy {
  const purposes = flags.purposes ? [...new Set(flags.purposes)] : defaultPurposes(supported);
  for (const p of purposes) {
    if (!supported.includes(p)) throw new KmsError('UNSUPPORTED', `this algorithm cannot be used for '${p}'`);
  }
  assertSeparated(purposes);
  assertMayMoveKeys(purposes, derivationPath);
  const policy: KeyPolicy = {
    purposes,
    exportable: flags.exportable ?? false,
    requiresApproval: flags.requiresApproval ?? false,
  };
  if (flags.callers) policy.callers = [...new Set(flags.callers)];
  if (flags.allowRawAgreement) policy.allowRawAgreement = true;
  return policy;
}
