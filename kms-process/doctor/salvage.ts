// owkms doctor --salvage-to DIR: a new keystore in DIR holding what the diagnosis verified, under the same keystore
// id and master key with the same sealed copies (the same passphrase, keychain entry or TPM opens it). Its rollback
// counter starts at the mirror's value and both then advance, so the damaged original becomes an older copy.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { KmsError } from '../api/errors.js';
import { writeContents } from '../backup/backupContents.js';
import { DB_FILE } from '../keystore/database.js';
import { Keystore } from '../keystore/keystore.js';
import { recordEnrolledTctis, recordRemoteEndpoints } from '../sandbox/sandboxNeeds.js';
import { adoptRollbackMirror } from '../services/rollbackGuard.js';
import type { DoctorReport, Salvage } from './doctorCheck.js';

export async function writeSalvage(dir: string, s: Salvage, caller: string, storeDir: string): Promise<NonNullable<DoctorReport['salvaged']>> {
  if (!isAbsolute(dir)) throw new KmsError('INVALID_REQUEST', 'the salvage folder must be an absolute path', { data: { path: 'salvageTo' } });
  if (join(dir) === join(storeDir)) throw new KmsError('INVALID_REQUEST', 'the salvage folder must not be the damaged keystore\'s own', { data: { path: 'salvageTo' } });
  if (!existsSync(dir)) throw new KmsError('INVALID_REQUEST', `the salvage folder ${dir} does not exist`, { data: { path: 'salvageTo' } });
  if (existsSync(join(dir, DB_FILE))) throw new KmsError('ALREADY_INITIALIZED', `${dir} holds a keystore already; give an empty folder`);
  const ks = Keystore.open(dir, 'owkms doctor');
  try {
    ks.initialize(s.keystoreId, Buffer.from(s.mk), s.copies, s.policy, {
      fill: () => {
        writeContents(ks, s.contents, 'salvaged_from');
        ks.meta.set('rollback_counter', s.rollbackCounter.toString());
      },
      audit: [{ caller, method: 'kms.doctor', outcome: 'salvaged' }],
    });
    recordEnrolledTctis(dir, s.copies);
    recordRemoteEndpoints(dir, ks.remotes.endpoints());
    let rollback: string;
    try {
      const r = await adoptRollbackMirror(ks);
      rollback = `${r.guard}: ${r.detail}`;
    } catch (e) {
      rollback = `not advanced: ${e instanceof Error ? e.message : String(e)}`;
    }
    return {
      dir,
      keystoreId: s.keystoreId,
      keys: s.contents.keys.length,
      versions: s.contents.keys.reduce((n, k) => n + k.versions.length, 0),
      remotes: s.contents.remotes.length,
      rollback,
    };
  } finally {
    ks.close();
  }
}
