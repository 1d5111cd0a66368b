// A key made from another key (an HD child, an agreed or decapsulated secret, an unwrapped key) inherits its
// parent's guards and can only be narrower (DESIGN.md section 1). Rotated versions share their key's record, so
// they keep its policy as it is.
import { CALLERS, type Caller } from '../api/index.js';
import { keyAdmits } from './callerAdmission.js';
import type { KeyPolicy } from '../keystore/keyTable.js';

/** `requested` (the child's own policy) narrowed by its parent's guards. */
export function inheritGuards(parent: KeyPolicy, requested: KeyPolicy): KeyPolicy {
  const policy: KeyPolicy = {
    purposes: requested.purposes,
    exportable: parent.exportable && requested.exportable,
    requiresApproval: parent.requiresApproval || requested.requiresApproval,
  };
  const callers = intersectCallers(parent.callers, requested.callers);
  if (callers) policy.callers = callers;
  if (parent.allowRawAgreement && requested.allowRawAgreement) policy.allowRawAgreement = true;
  return policy;
}

/** Absent means every caller but the opt-in ones (callerAdmission.ts): the result admits what both admit. */
function intersectCallers(a: readonly Caller[] | undefined, b: readonly Caller[] | undefined): Caller[] | undefined {
  if (!a && !b) return undefined;
  // In the order the parent (else the request) named them, so a child reads like the key it came from.
  return (a ?? b ?? CALLERS).filter((c) => keyAdmits({ policy: { callers: a } }, c) && keyAdmits({ policy: { callers: b } }, c));
}
