// Rights only go down from the renderer (DESIGN.md section 1): `ui` may drop purposes or callers, make a key
// non-exportable, add approval, or refuse raw agreement; anything that widens needs a caller that speaks for the
// user (main's trusted prompt as `app`, the CLI). Rights are compared as they take effect (effectivePurposes).
import { CALLERS, KmsError, type Caller, type Operation } from '../api/index.js';
import { keyAdmits } from './callerAdmission.js';
import type { KeyPolicy } from '../keystore/keyTable.js';
import { effectivePurposes } from './usageSeparation.js';

/** Callers that may widen a key's rights, and may always manage a key (so nothing `ui` narrows is irreversible). */
export const CONFIRMING_CALLERS: ReadonlySet<Caller> = new Set<Caller>(['app', 'cli', 'test']);

/** The ways `next` allows more than `old`; empty when `next` is no wider. */
export function widenedRights(old: KeyPolicy, next: KeyPolicy): string[] {
  const out: string[] = [];
  const before = new Set<Operation>(effectivePurposes(old.purposes));
  const added = effectivePurposes(next.purposes).filter((p) => !before.has(p));
  if (added.length > 0) out.push(`purposes ${added.join(', ')}`);
  if (next.exportable && !old.exportable) out.push('exportable');
  if (!next.requiresApproval && old.requiresApproval) out.push('no approval');
  if (next.allowRawAgreement && !old.allowRawAgreement) out.push('raw agreement');
  // Callers as they take effect: no list admits every caller but the opt-in ones (pkcs11), so naming an opt-in
  // caller where there was no list widens too.
  const extra = CALLERS.filter((c) => !keyAdmits({ policy: old }, c) && keyAdmits({ policy: next }, c));
  if (extra.length > 0) out.push(next.callers === undefined ? 'every caller' : `callers ${extra.join(', ')}`);
  return out;
}

export function assertRightsChange(caller: Caller, old: KeyPolicy, next: KeyPolicy): void {
  if (CONFIRMING_CALLERS.has(caller)) return;
  const widened = widenedRights(old, next);
  if (widened.length > 0) {
    throw new KmsError('POLICY_DENIED', `caller '${caller}' may only narrow a key's rights (this would add: ${widened.join('; ')})`);
  }
}
