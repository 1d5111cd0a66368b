// Operations the user confirms every time, whatever the key's policy says: signing an Ethereum transaction or
// EIP-712 typed data moves funds or grants rights, so (as MetaMask and Frame always ask) a caller that cannot
// confirm on its own gets APPROVAL_DENIED, which main's broker answers with a trusted prompt that decodes the same
// params and, if the user approves, re-sends them as `app`.
import { KmsError, type Caller, type MethodName } from '../api/index.js';
import { CONFIRMING_CALLERS } from './rightsChange.js';

export const ALWAYS_CONFIRMED: ReadonlySet<MethodName> = new Set<MethodName>(['crypto.signEthTransaction', 'crypto.signTypedData']);

export function assertConfirmedByUser(method: MethodName, caller: Caller): void {
  if (ALWAYS_CONFIRMED.has(method) && !CONFIRMING_CALLERS.has(caller)) {
    throw new KmsError('APPROVAL_DENIED', `${method} needs the user's approval in a trusted prompt every time`);
  }
}
