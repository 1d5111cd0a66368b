// Getting the master key back from the sealed copies: which copies this attempt opens (all for `all`, the ones the
// given secrets fit for `any`), the attempt counter written before any user secret is checked, and the unsealing.
import { KmsError, type SealerEnrolment, type SealerKind } from '../api/index.js';
import type { Keystore } from '../keystore/keystore.js';
import { combineShares, splitMasterKey, type UnlockPolicy } from '../keystore/masterKeyShares.js';
import type { KmsContext } from '../kmsContext.js';
import type { SealContext, SealedCopy, Sealer, UnlockSecrets } from '../sealing/sealer.js';

export const UNLOCK_SUBJECT = 'unlock';

export function sealerFor(ctx: KmsContext, kind: SealerKind): Sealer {
  const s = ctx.sealers.get(kind);
  if (!s) throw new KmsError('UNSUPPORTED', `the ${kind} sealer is not available in this build`);
  return s;
}

function needsOf(ctx: KmsContext, c: SealedCopy): 'passphrase' | 'pin' | 'none' {
  const s = sealerFor(ctx, c.kind);
  return s.needsFor?.(c) ?? s.needs;
}

/** The secrets an unlock must bring: for `any`, none if some copy needs none, else the one (or ones) in use. */
export function unlockNeeds(ctx: KmsContext, ks: Keystore): Array<'passphrase' | 'pin'> {
  return needsOfCopies(ctx, ks.sealedCopies(false), ks.unlockPolicy); // what to ask for; unlocking checks the copies
}

/** The same from sealed copies and a policy (owkms doctor reads them from a damaged file). */
export function needsOfCopies(ctx: KmsContext, copies: readonly SealedCopy[], policy: UnlockPolicy): Array<'passphrase' | 'pin'> {
  const needs = copies.map((c) => needsOf(ctx, c));
  if (policy === 'any' && needs.includes('none')) return [];
  const set = new Set(needs.filter((n): n is 'passphrase' | 'pin' => n !== 'none'));
  if (policy === 'any' && set.has('passphrase')) return ['passphrase'];
  return [...set];
}

export function chooseCopies(ctx: KmsContext, copies: readonly SealedCopy[], policy: UnlockPolicy, secrets: UnlockSecrets): SealedCopy[] {
  const given = (c: SealedCopy): boolean => {
    const needs = needsOf(ctx, c);
    return needs === 'passphrase' ? secrets.passphrase !== undefined : needs === 'pin' ? secrets.pin !== undefined : true;
  };
  if (policy === 'all') {
    // A missing secret is a bad request, not a failed guess: refuse before the attempt is counted.
    const missing = [...new Set(copies.filter((c) => !given(c)).map((c) => needsOf(ctx, c)))];
    if (missing.length > 0) throw new KmsError('INVALID_REQUEST', `unlocking needs a ${missing.join(' and a ')}`);
    return [...copies];
  }
  const fits = copies.filter(given);
  if (fits.length === 0) {
    const wanted = [...new Set(copies.map((c) => needsOf(ctx, c)))].filter((n) => n !== 'none');
    throw new KmsError('INVALID_REQUEST', `unlocking needs a ${wanted.join(' or ')}`);
  }
  // Copies the typed secret opens come first: the secret says which sealer the user means.
  return fits.sort((a, b) => Number(needsOf(ctx, a) === 'none') - Number(needsOf(ctx, b) === 'none'));
}

/** The master key (caller zeroizes) and the sealers that gave it. Counts the attempt when a user secret is tried. */
export async function recoverMasterKey(ctx: KmsContext, ks: Keystore, secrets: UnlockSecrets): Promise<{ mk: Buffer; by: SealerKind[] }> {
  ks.assertUnsealable(); // a damaged copy is TAMPERED, not a wrong passphrase (and costs no attempt)
  const policy = ks.unlockPolicy;
  const sealCtx = { keystoreId: ks.keystoreId!, storeDir: ks.dir };
  const chosen = chooseCopies(ctx, ks.sealedCopies(), policy, secrets);
  const userSecret = chosen.some((c) => needsOf(ctx, c) !== 'none');
  if (userSecret) ks.throttle.begin(UNLOCK_SUBJECT);
  let result: { mk: Buffer; by: SealerKind[] };
  try {
    result = await unsealCopies(ctx, chosen, policy, secrets, sealCtx);
  } catch (e) {
    if (userSecret && e instanceof KmsError && e.kind === 'WRONG_SECRET') ks.throttle.failed(UNLOCK_SUBJECT);
    throw e;
  }
  if (!ks.matchesMasterKey(result.mk)) {
    result.mk.fill(0);
    throw new KmsError('TAMPERED', 'the unsealed master key does not match this keystore');
  }
  if (userSecret) ks.throttle.succeeded(UNLOCK_SUBJECT);
  return result;
}

/** Unseal the chosen copies (all shares for `all`, the first that opens for `any`); the caller checks the key. */
export async function unsealCopies(
  ctx: KmsContext,
  chosen: readonly SealedCopy[],
  policy: UnlockPolicy,
  secrets: UnlockSecrets,
  sealCtx: SealContext,
): Promise<{ mk: Buffer; by: SealerKind[] }> {
  let result: { mk: Buffer; by: SealerKind[] };
  if (policy === 'all') {
    const shares: Uint8Array[] = [];
    try {
      for (const c of chosen) shares.push(await sealerFor(ctx, c.kind).unseal(c, secrets, sealCtx));
    } catch (e) {
      for (const s of shares) s.fill(0);
      throw e;
    }
    result = { mk: combineShares(shares, 'all'), by: chosen.map((c) => c.kind) };
  } else {
    let lastError: unknown = new KmsError('UNAVAILABLE', 'no sealer could be used');
    let wrongSecret: KmsError | undefined;
    let found: { mk: Buffer; by: SealerKind[] } | undefined;
    for (const c of chosen) {
      // A secret the user typed must be right: once it is refused, copies that need no secret are not tried, so a
      // wrong passphrase is WRONG_SECRET (not a TPM error) and cannot re-authenticate kms.changeSealers.
      if (wrongSecret && needsOf(ctx, c) === 'none') break;
      try {
        const share = await sealerFor(ctx, c.kind).unseal(c, secrets, sealCtx);
        found = { mk: combineShares([share], 'any'), by: [c.kind] };
        break;
      } catch (e) {
        lastError = e;
        if (e instanceof KmsError && e.kind === 'TAMPERED') throw e;
        if (e instanceof KmsError && e.kind === 'WRONG_SECRET') wrongSecret ??= e;
      }
    }
    if (!found) throw wrongSecret ?? lastError;
    result = found;
  }
  return result;
}

/** Seal one share per enrolment; shares are zeroized whatever happens. */
export async function sealShares(
  ctx: KmsContext,
  mk: Buffer,
  enrolments: readonly SealerEnrolment[],
  policy: UnlockPolicy,
  sealCtx: SealContext,
): Promise<SealedCopy[]> {
  // Every sealer must be there before any copy is made, and the keychain (which overwrites this keystore's entry
  // in place) is sealed last: a change that fails part-way must not leave the keychain holding a share that does
  // not combine with the copies still in the keystore.
  for (const e of enrolments) {
    const avail = await sealerFor(ctx, e.kind).availability(e);
    if (!avail.available) throw new KmsError('UNAVAILABLE', `the ${e.kind} sealer is unavailable: ${avail.detail ?? 'no reason given'}`);
  }
  const order = [...enrolments.keys()].sort((a, b) => Number(enrolments[a]!.kind === 'keychain') - Number(enrolments[b]!.kind === 'keychain'));
  const shares = splitMasterKey(mk, policy, enrolments.length);
  try {
    const copies: SealedCopy[] = new Array<SealedCopy>(enrolments.length);
    for (const i of order) {
      const e = enrolments[i]!;
      copies[i] = await sealerFor(ctx, e.kind).seal(shares[i]!, e, sealCtx);
    }
    return copies;
  } finally {
    for (const s of shares) s.fill(0);
  }
}

/**
 * Remove what sealed copies named outside the keystore (a keychain entry, a token key) when no copy in `keep` names
 * it any more: after a re-seal committed (the old copies), or when the write that would have stored new copies
 * failed (the new ones). Best effort: a keychain that does not answer now leaves an unused entry, which is reported.
 */
export async function forgetUnused(ctx: KmsContext, keystoreId: string, copies: readonly SealedCopy[], keep: readonly SealedCopy[] = []): Promise<void> {
  const kept = new Set(keep.map((c) => `${c.kind} ${JSON.stringify(c.params)}`));
  for (const c of copies) {
    if (kept.has(`${c.kind} ${JSON.stringify(c.params)}`)) continue;
    try {
      await sealerFor(ctx, c.kind).forget?.(c, { keystoreId, storeDir: ctx.options.storeDir });
    } catch (e) {
      process.stderr.write(`owkms: an unused ${c.kind} sealer entry was left behind (${e instanceof KmsError ? e.kind : 'error'})\n`);
    }
  }
  for (const kind of new Set(keep.map((c) => c.kind))) {
    try {
      await sealerFor(ctx, kind).forgetOthers?.(keep, { keystoreId, storeDir: ctx.options.storeDir });
    } catch (e) {
      process.stderr.write(`owkms: unused ${kind} sealer entries could not be removed (${e instanceof KmsError ? e.kind : 'error'})\n`);
    }
  }
}
