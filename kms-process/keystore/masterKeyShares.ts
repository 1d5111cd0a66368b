// Unlock policies over the master key: `any` gives every sealer the whole key; `all` gives each sealer one XOR
// share, so the key needs every sealer together and no single one (TPM alone, passphrase alone) recovers it.
import { randomBytes } from 'node:crypto';

export type UnlockPolicy = 'any' | 'all';

export const MASTER_KEY_BYTES = 32;

/** Shares for `count` sealers; the caller zeroizes them after sealing. */
export function splitMasterKey(mk: Uint8Array, policy: UnlockPolicy, count: number): Buffer[] {
  if (policy === 'any' || count === 1) return Array.from({ length: count }, () => Buffer.from(mk));
  const shares = Array.from({ length: count - 1 }, () => randomBytes(MASTER_KEY_BYTES));
  const last = Buffer.from(mk);
  for (const s of shares) for (let i = 0; i < last.length; i++) last[i]! ^= s[i]!;
  return [...shares, last];
}

/** The master key from unsealed shares (all of them for `all`, any one for `any`); zeroizes the shares. */
export function combineShares(shares: Uint8Array[], policy: UnlockPolicy): Buffer {
  const mk = Buffer.alloc(MASTER_KEY_BYTES);
  if (policy === 'any') {
    mk.set(shares[0]!);
  } else {
    for (const s of shares) for (let i = 0; i < mk.length; i++) mk[i]! ^= s[i]!;
  }
  for (const s of shares) s.fill(0);
  return mk;
}
