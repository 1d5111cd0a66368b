// kms.backup / kms.restore (issue 13). The backup is made and opened inside the KMS: the parent (owkms, main) gets
// and gives only the encrypted file's bytes, and writes or reads the file itself (the sandboxed KMS writes nowhere
// but its store). A restore makes a new keystore (new id, new master key, the sealers the user chose) holding the
// backup's keys under their own ids, in one transaction: a wrong passphrase, a damaged, edited or newer backup, an
// unavailable sealer or a failed write leaves the store as it was (uninitialized).
import { randomBytes, randomFillSync } from 'node:crypto';
import { fromB64u, KmsError, toB64u } from '../api/index.js';
import { collectBody, readContents, writeContents } from '../backup/backupContents.js';
import { openBackup, sealBackup } from '../backup/backupFile.js';
import { Keystore } from '../keystore/keystore.js';
import { MASTER_KEY_BYTES } from '../keystore/masterKeyShares.js';
import type { KmsContext } from '../kmsContext.js';
import { assertMaterialRecipient } from '../policy/materialRecipients.js';
import { recordEnrolledTctis, recordRemoteEndpoints } from '../sandbox/sandboxNeeds.js';
import type { SealedCopy } from '../sealing/sealer.js';
import type { HandlerTable } from './handler.js';
import { checkEnrolments } from './lifecycleService.js';
import { forgetUnused, sealShares } from './masterKeyRecovery.js';
import { startRollbackCounter } from './rollbackGuard.js';

export function backupHandlers(ctx: KmsContext): HandlerTable {
  return {
    'kms.backup': async (p, call) => {
      assertMaterialRecipient(call.caller, 'a backup of the keystore');
      const ks = ctx.keystore;
      ks.assertUnlocked();
      await ctx.registryReady;
      const backupId = randomBytes(16).toString('base64url');
      const { body, counts } = collectBody(ks, backupId);
      let file: Buffer;
      try {
        file = await sealBackup(body, p.backupPassphrase, backupId);
      } finally {
        body.fill(0);
      }
      return { backup: toB64u(file), keystoreId: ks.keystoreId!, createdAt: new Date().toISOString(), ...counts };
    },

    'kms.restore': async (p, call) => {
      assertMaterialRecipient(call.caller, 'a restore from a backup');
      // As kms.init: a store folder without a keystore file is fine; the file is made only once sealing worked.
      const existing = ctx.existingKeystore;
      if (existing && existing.state !== 'uninitialized') throw new KmsError('ALREADY_INITIALIZED', 'a backup is restored into an empty store only; this one holds a keystore');
      const policy = p.unlockPolicy ?? 'any';
      checkEnrolments(p.sealers, policy);
      await ctx.integrity.assertIntact();
      const registry = await ctx.registryReady;
      const file = fromB64u(p.backup);
      if (!file) throw new KmsError('INVALID_REQUEST', 'backup is not base64url', { data: { path: 'backup' } });
      const { body, backupId } = await openBackup(file, p.backupPassphrase);
      try {
        const contents = readContents(body, backupId, registry);
        const keystoreId = Keystore.newKeystoreId();
        const mk = randomFillSync(Buffer.alloc(MASTER_KEY_BYTES));
        let copies: SealedCopy[];
        try {
          copies = await sealShares(ctx, mk, p.sealers, policy, { keystoreId, storeDir: ctx.options.storeDir });
        } catch (e) {
          mk.fill(0);
          throw e;
        }
        let ks: Keystore;
        try {
          // The folder's file is made only now, when the backup opened and sealing worked; a failure removes it.
          const target = ctx.keystoreForInit();
          ks = target.keystore;
          try {
            // The keys go in under a fresh master key: nothing of the old keystore's sealing or counters comes along.
            ks.initialize(keystoreId, mk, copies, policy, {
              fill: () => writeContents(ks, contents),
              audit: [{ caller: call.caller, method: call.method, outcome: 'ok' }],
            });
          } catch (e) {
            target.discard?.();
            throw e;
          }
        } catch (e) {
          mk.fill(0);
          await forgetUnused(ctx, keystoreId, copies);
          throw e;
        }
        call.audited = true;
        recordEnrolledTctis(ks.dir, copies);
        recordRemoteEndpoints(ks.dir, ks.remotes.endpoints());
        ctx.rollback = await startRollbackCounter(ks);
        ctx.keySetCheck.start(ks, () => ctx.inflight > 0);
        const versions = contents.keys.reduce((n, k) => n + k.meta.versions.length, 0);
        return {
          state: 'unlocked' as const,
          keystoreId,
          keys: contents.keys.length,
          versions,
          remotes: contents.remotes.length,
          restoredFrom: { keystoreId: contents.source.keystoreId, backedUpAt: contents.source.backedUpAt },
        };
      } finally {
        body.fill(0);
      }
    },
  };
}
