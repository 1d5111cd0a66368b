// Which callers a key admits: its callers list when it has one; otherwise every caller but the opt-in ones.
import type { Caller } from '../api/index.js';

/**
 * Callers that see only the keys that name them: a key without a callers list admits every other caller, but the
 * PKCS#11 module (loaded by other programs) gets a key only when the user opted it in (`--callers ...,pkcs11`).
 */
export const OPT_IN_CALLERS: ReadonlySet<Caller> = new Set(['pkcs11']);

/** Whether `caller` may see `key` at all (keys.list, keys.get) and use it. */
export function keyAdmits(key: { policy: { callers?: readonly Caller[] | undefined } }, caller: Caller): boolean {
  if (key.policy.callers) return key.policy.callers.includes(caller);
  return !OPT_IN_CALLERS.has(caller);
}
