// kms.status, kms.init, kms.unlock, kms.lock: creating the master key, sealing it with each enrolled sealer,
// and unsealing it (with the attempt counter written before any user secret is checked).
import { randomFillSync } from 'node:crypto';
import { KmsError, type SealerEnrolment, type SealerKind } from '../api/index.js';
import { Keystore } from '../keystore/keystore.js';
import { combineShares, MASTER_KEY_BYTES, splitMasterKey, type UnlockPolicy } from '../keystore/masterKeyShares.js';
import { KMS_VERSION, type KmsContext } from '../kmsContext.js';
import type { SealContext, SealedCopy, Sealer, UnlockSecrets } from '../sealing/sealer.js';
import type { HandlerTable } from './handler.js';

/** The shortest passphrase the KMS accepts at enrolment (NIST SP 800-63B's minimum for memorized secrets). */
export const MIN_PASSPHRASE_CHARS = 8;
const THROTTLE_SUBJECT = 'unlock';

function sealer(ctx: KmsContext, kind: SealerKind): Sealer {
  const s = ctx.sealers.get(kind);
  if (!s) throw new KmsError('UNSUPPORTED', `the ${kind} sealer is not available in this build`);
  return s;
}

function checkEnrolments(enrolments: readonly SealerEnrolment[]): void {
  const kinds = new Set<string>();
  for (const e of enrolments) {
    if (kinds.has(e.kind)) throw new KmsError('INVALID_REQUEST', `sealer ${e.kind} given twice`);
    kinds.add(e.kind);
    if (e.kind === 'passphrase' && [...e.passphrase.normalize('NFC')].length < MIN_PASSPHRASE_CHARS) {
      throw new KmsError('INVALID_REQUEST', `the passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters`);
    }
  }
}

/** Seal one share per enrolment; shares are zeroized whatever happens. */
export async function sealShares(
  ctx: KmsContext,
  mk: Buffer,
  enrolments: readonly SealerEnrolment[],
  policy: UnlockPolicy,
  sealCtx: SealContext,
): Promise<SealedCopy[]> {
  const shares = splitMasterKey(mk, policy, enrolments.length);
  try {
    const copies: SealedCopy[] = [];
    for (const [i, e] of enrolments.entries()) {
      const s = sealer(ctx, e.kind);
      const avail = await s.availability();
      if (!avail.available) throw new KmsError('UNAVAILABLE', `the ${e.kind} sealer is unavailable: ${avail.detail ?? 'no reason given'}`);
      copies.push(await s.seal(shares[i]!, e, sealCtx));
    }
    return copies;
  } finally {
    for (const s of shares) s.fill(0);
  }
}

/** Which sealed copies this attempt will open: all of them for `all`, else the ones the given secrets fit. */
function chooseCopies(ctx: KmsContext, copies: SealedCopy[], policy: UnlockPolicy, secrets: UnlockSecrets): SealedCopy[] {
  if (policy === 'all') return copies;
  const fits = copies.filter((c) => {
    const needs = sealer(ctx, c.kind).needs;
    return needs === 'passphrase' ? secrets.passphrase !== undefined : needs === 'pin' ? secrets.pin !== undefined : true;
  });
  if (fits.length === 0) {
    const wanted = [...new Set(copies.map((c) => sealer(ctx, c.kind).needs))].filter((n) => n !== 'none');
    throw new KmsError('INVALID_REQUEST', `unlocking needs a ${wanted.join(' or ')}`);
  }
  // Secrets the user typed first: they say which sealer the user means.
  return fits.sort((a, b) => Number(sealer(ctx, a.kind).needs === 'none') - Number(sealer(ctx, b.kind).needs === 'none'));
}

async function unseal(ctx: KmsContext, ks: Keystore, secrets: UnlockSecrets): Promise<SealerKind[]> {
  const policy = ks.unlockPolicy;
  const sealCtx = { keystoreId: ks.keystoreId!, storeDir: ks.dir };
  const chosen = chooseCopies(ctx, ks.sealedCopies(), policy, secrets);
  const userSecret = chosen.some((c) => sealer(ctx, c.kind).needs !== 'none');
  if (userSecret) ks.throttle.begin(THROTTLE_SUBJECT);
  if (policy === 'all') {
    const shares: Uint8Array[] = [];
    try {
      for (const c of chosen) shares.push(await sealer(ctx, c.kind).unseal(c, secrets, sealCtx));
    } catch (e) {
      for (const s of shares) s.fill(0);
      throw e;
    }
    ks.unlockWith(combineShares(shares, 'all'));
  } else {
    let lastError: unknown;
    let done: SealerKind | undefined;
    for (const c of chosen) {
      try {
        const share = await sealer(ctx, c.kind).unseal(c, secrets, sealCtx);
        ks.unlockWith(combineShares([share], 'any'));
        done = c.kind;
        break;
      } catch (e) {
        lastError = e;
        if (e instanceof KmsError && e.kind === 'TAMPERED') throw e;
      }
    }
    if (!done) throw lastError;
    chosen.splice(0, chosen.length, ...chosen.filter((c) => c.kind === done));
  }
  if (userSecret) ks.throttle.succeeded(THROTTLE_SUBJECT);
  return chosen.map((c) => c.kind);
}

export function lifecycleHandlers(ctx: KmsContext): HandlerTable {
  return {
    'kms.status': async () => {
      const ks = ctx.keystore;
      const enrolled = new Set(ks.state === 'uninitialized' ? [] : ks.sealedCopies().map((c) => c.kind));
      const sealers = await Promise.all(
        [...ctx.sealers.values()].map(async (s) => ({ kind: s.kind, enrolled: enrolled.has(s.kind), ...(await s.availability()) })),
      );
      const retry = ks.state === 'locked' ? ks.throttle.retryAfterMs(THROTTLE_SUBJECT) : 0;
      return {
        state: ks.state,
        version: KMS_VERSION,
        ...(ks.keystoreId ? { keystoreId: ks.keystoreId, unlockPolicy: ks.unlockPolicy } : {}),
        sealers,
        providers: [{ id: 'software', available: true }, ...[...ctx.external.keys()].map((id) => ({ id, available: true }))],
        tokens: [],
        ...(ks.state === 'locked' ? { failedAttempts: ks.throttle.read(THROTTLE_SUBJECT).failures } : {}),
        ...(retry > 0 ? { retryAfterMs: retry } : {}),
      };
    },

    'kms.init': async (p) => {
      const ks = ctx.keystore;
      if (ks.state !== 'uninitialized') throw new KmsError('ALREADY_INITIALIZED', 'the keystore is initialized already');
      checkEnrolments(p.sealers);
      const policy = p.unlockPolicy ?? 'any';
      if (policy === 'all' && p.sealers.length < 2) throw new KmsError('INVALID_REQUEST', "unlock policy 'all' needs two sealers or more");
      const keystoreId = Keystore.newKeystoreId();
      const mk = randomFillSync(Buffer.alloc(MASTER_KEY_BYTES));
      try {
        const copies = await sealShares(ctx, mk, p.sealers, policy, { keystoreId, storeDir: ks.dir });
        ks.initialize(keystoreId, mk, copies, policy);
      } finally {
        mk.fill(0);
      }
      return { state: 'unlocked' as const, keystoreId };
    },

    'kms.unlock': async (p) => {
      const ks = ctx.keystore;
      if (ks.state === 'uninitialized') throw new KmsError('NOT_INITIALIZED', 'the keystore is not initialized; run init first');
      if (ks.state === 'unlocked') return { state: 'unlocked' as const, unlockedBy: [] };
      const unlockedBy = await unseal(ctx, ks, { passphrase: p.passphrase, pin: p.pin });
      return { state: 'unlocked' as const, unlockedBy };
    },

    'kms.lock': async (_p, call) => {
      // The lock's own entry is written while the chain key still exists, so it is chained like any other.
      if (ctx.keystore.state === 'unlocked') {
        ctx.audit.push({ caller: call.caller, method: call.method, outcome: 'ok' });
        call.audited = true;
      }
      ctx.lock();
      return { state: 'locked' as const };
    },
  };
}
