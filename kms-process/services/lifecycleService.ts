// kms.status, kms.init, kms.unlock, kms.lock, kms.changeSealers: creating the master key, sealing it with each
// enrolled sealer, unsealing it, and re-sealing it (never re-encrypting the keys).
import { randomFillSync } from 'node:crypto';
import { KmsError, type SealerEnrolment } from '../api/index.js';
import { Keystore } from '../keystore/keystore.js';
import { MASTER_KEY_BYTES } from '../keystore/masterKeyShares.js';
import { KMS_VERSION, type KmsContext } from '../kmsContext.js';
import { recordEnrolledTctis } from '../sandbox/sandboxNeeds.js';
import type { HandlerTable } from './handler.js';
import { forgetUnused, recoverMasterKey, sealShares, UNLOCK_SUBJECT, unlockNeeds } from './masterKeyRecovery.js';
import { checkRollback, startRollbackCounter, stopRollbackCounter } from './rollbackGuard.js';

/** The shortest passphrase the KMS accepts at enrolment (NIST SP 800-63B's minimum for memorized secrets). */
export const MIN_PASSPHRASE_CHARS = 8;

export function checkEnrolments(enrolments: readonly SealerEnrolment[], policy: 'any' | 'all'): void {
  const kinds = new Set<string>();
  for (const e of enrolments) {
    if (kinds.has(e.kind)) throw new KmsError('INVALID_REQUEST', `sealer ${e.kind} given twice`);
    kinds.add(e.kind);
    if (e.kind === 'passphrase' && [...e.passphrase.normalize('NFC')].length < MIN_PASSPHRASE_CHARS) {
      throw new KmsError('INVALID_REQUEST', `the passphrase must have at least ${MIN_PASSPHRASE_CHARS} characters`);
    }
  }
  if (policy === 'all' && enrolments.length < 2) throw new KmsError('INVALID_REQUEST', "unlock policy 'all' needs two sealers or more");
}

export function lifecycleHandlers(ctx: KmsContext): HandlerTable {
  return {
    'kms.status': async (p) => {
      // A store folder without a keystore is 'uninitialized' too; asking creates nothing.
      const ks = ctx.existingKeystore;
      const state = ks?.state ?? 'uninitialized';
      // Status reports what is enrolled; a damaged copy is reported by the unlock that would use it.
      const copies = !ks || state === 'uninitialized' ? [] : ks.sealedCopies(false);
      const enrolled = new Set(copies.map((c) => c.kind));
      // An enrolled TPM is probed where unlocking looks for it: $OWKMS_TCTI, else the TCTI stored with its copy.
      const storedTcti = copies.find((c) => c.kind === 'tpm')?.params.tcti;
      const probeAs = (kind: string): SealerEnrolment | undefined =>
        kind === 'tpm' && !process.env.OWKMS_TCTI && typeof storedTcti === 'string' ? { kind: 'tpm', tcti: storedTcti } : undefined;
      const probe = p.probe !== false;
      const sealers = await Promise.all(
        [...ctx.sealers.values()].map(async (s) => ({
          kind: s.kind,
          enrolled: enrolled.has(s.kind),
          ...(probe ? await s.availability(probeAs(s.kind)) : { available: enrolled.has(s.kind), detail: 'not probed' }),
        })),
      );
      let tokens: Array<{ serial: string; label: string }> = [];
      let pkcs11 = { id: 'pkcs11', available: false, detail: 'not probed' };
      if (probe) {
        try {
          const list = await (await ctx.pkcs11.get()).tokens.list();
          tokens = list.tokens.map((t) => ({ serial: t.serial, label: t.label }));
          const loaded = list.modules.filter((m) => m.loaded).map((m) => m.profile);
          pkcs11 = { id: 'pkcs11', available: loaded.length > 0, detail: loaded.length ? `modules: ${loaded.join(', ')}` : 'no PKCS#11 module loaded' };
        } catch (e) {
          pkcs11 = { id: 'pkcs11', available: false, detail: e instanceof Error ? e.message : 'PKCS#11 unavailable' };
        }
      }
      const retry = ks && state === 'locked' ? ks.throttle.retryAfterMs(UNLOCK_SUBJECT) : 0;
      return {
        state,
        version: KMS_VERSION,
        ...(ks?.keystoreId ? { keystoreId: ks.keystoreId, unlockPolicy: ks.unlockPolicy } : {}),
        sealers,
        providers: [{ id: 'software', available: true }, pkcs11],
        tokens,
        ...(ks && state === 'locked' ? { failedAttempts: ks.throttle.read(UNLOCK_SUBJECT).failures, unlockNeeds: unlockNeeds(ctx, ks) } : {}),
        ...(retry > 0 ? { retryAfterMs: retry } : {}),
        ...(ctx.options.hardening ? { hardening: ctx.options.hardening } : {}),
        ...(ctx.options.sandbox ? { sandbox: ctx.options.sandbox } : {}),
        integrity: probe ? await ctx.integrity.refresh() : ctx.integrity.status,
        ...(state === 'unlocked' && ks
          ? {
              // The older field: checked (a guard holds the counter: compared, or set up now), skipped, or none.
              rollback: ctx.rollback.state === 'skipped' ? `skipped: ${ctx.rollback.detail}` : ctx.rollback.guard === 'none' ? 'none' : 'checked',
              rollbackGuard: { kind: ctx.rollback.guard, detail: ctx.rollback.detail },
              keySet: ks.keySetDamage ? 'tampered' : ctx.keySetCheck.state,
            }
          : {}),
      };
    },

    'kms.init': async (p) => {
      const existing = ctx.existingKeystore;
      if (existing && existing.state !== 'uninitialized') throw new KmsError('ALREADY_INITIALIZED', 'the keystore is initialized already');
      const policy = p.unlockPolicy ?? 'any';
      checkEnrolments(p.sealers, policy);
      await ctx.integrity.assertIntact(); // no master key is made for an app whose files are not the release's
      const keystoreId = Keystore.newKeystoreId();
      const mk = randomFillSync(Buffer.alloc(MASTER_KEY_BYTES));
      let ks: Keystore;
      try {
        const copies = await sealShares(ctx, mk, p.sealers, policy, { keystoreId, storeDir: ctx.options.storeDir });
        // The folder and file are made only now, when sealing worked: a refused init leaves nothing behind.
        const target = ctx.keystoreForInit();
        ks = target.keystore;
        try {
          ks.initialize(keystoreId, mk, copies, policy);
        } catch (e) {
          target.discard?.();
          throw e;
        }
        recordEnrolledTctis(ks.dir, copies);
      } finally {
        mk.fill(0);
      }
      ctx.rollback = await startRollbackCounter(ks);
      ctx.keySetCheck.start(ks, () => ctx.inflight > 0);
      return { state: 'unlocked' as const, keystoreId };
    },

    'kms.unlock': async (p) => {
      const ks = ctx.keystore;
      if (ks.state === 'uninitialized') throw new KmsError('NOT_INITIALIZED', 'the keystore is not initialized; run init first');
      if (ks.state === 'unlocked') return { state: 'unlocked' as const, unlockedBy: [] };
      await ctx.integrity.assertIntact(); // before any secret is tried or counted
      const { mk, by } = await recoverMasterKey(ctx, ks, { passphrase: p.passphrase, pin: p.pin });
      ks.unlockWith(mk);
      try {
        ctx.rollback = await checkRollback(ks, by.includes('tpm'));
      } catch (e) {
        await ctx.lock();
        throw e;
      }
      ctx.keySetCheck.start(ks, () => ctx.inflight > 0);
      return { state: 'unlocked' as const, unlockedBy: by };
    },

    'kms.changeSealers': async (p) => {
      const ks = ctx.keystore;
      ks.assertUnlocked();
      const policy = p.unlockPolicy ?? ks.unlockPolicy;
      checkEnrolments(p.sealers, policy);
      await ctx.integrity.assertIntact();
      // Re-authenticate: the master key is not kept in memory, and changing who can unlock is a guarded change.
      const { mk } = await recoverMasterKey(ctx, ks, { passphrase: p.passphrase, pin: p.pin });
      const old = ks.sealedCopies();
      const keystoreId = ks.keystoreId!;
      let copies;
      try {
        copies = await sealShares(ctx, mk, p.sealers, policy, { keystoreId, storeDir: ks.dir });
      } finally {
        mk.fill(0);
      }
      try {
        ks.replaceSealers(copies, policy);
      } catch (e) {
        await forgetUnused(ctx, keystoreId, copies, old); // the new keychain entry or token key is not used
        throw e;
      }
      recordEnrolledTctis(ks.dir, copies);
      // Only after the commit: what the old copies named outside the keystore goes when no new copy names it. A
      // crash before this line leaves an unused entry behind, never a keystore whose copies do not combine.
      await forgetUnused(ctx, keystoreId, old, copies);
      const kept = new Set(p.sealers.map((e) => e.kind));
      if (kept.has('tpm') && !old.some((c) => c.kind === 'tpm')) ctx.rollback = await startRollbackCounter(ks);
      if (!kept.has('tpm') && old.some((c) => c.kind === 'tpm')) await stopRollbackCounter(ks, old);
      return { sealers: p.sealers.map((e) => e.kind), unlockPolicy: policy };
    },

    'kms.configure': async (p) => {
      ctx.cache.setIdleMs(p.keyCacheMs);
      return { keyCacheMs: ctx.cache.idleMs };
    },
    'kms.lock': async (_p, call) => {
      // The lock's own entry is written while the chain key still exists, so it is chained like any other.
      if (ctx.existingKeystore?.state === 'unlocked') {
        ctx.audit.push({ caller: call.caller, method: call.method, outcome: 'ok' });
        call.audited = true;
      }
      await ctx.lock();
      return { state: 'locked' as const };
    },
  };
}
