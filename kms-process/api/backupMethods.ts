// kms.backup / kms.restore (issue 13): the whole keystore encrypted under a backup passphrase, and its restore into
// an empty store with new sealers. Both move every key's material: `app` (after the user confirmed in a trusted
// prompt) and `cli` only, never `ui`, `rest` or `pkcs11` (an encrypted backup in the renderer's hands is an offline
// brute-force target; policy/callerPolicy.ts and policy/materialRecipients.ts).
import { z } from 'zod';
import { b64u, secretString } from './common.js';
import { sealerEnrolment, unlockPolicy } from './kmsMethods.js';
import { MAX_BACKUP_BYTES, MAX_SECRET_STRING } from './limits.js';

/** A backup is an offline target (a file on a stick or in a cloud folder): a longer passphrase than the unlock one. */
export const MIN_BACKUP_PASSPHRASE = 12;

const backupPassphrase = z
  .string()
  .max(MAX_SECRET_STRING)
  .refine((s) => [...s.normalize('NFC')].length >= MIN_BACKUP_PASSPHRASE, `at least ${MIN_BACKUP_PASSPHRASE} characters`);

const contentsCount = z.object({
  /** Key records (software keys, seeds and their children, token and KMIP references). */
  keys: z.number().int(),
  /** Earlier versions of rotated symmetric keys. */
  versions: z.number().int(),
  /** KMIP servers with their client keys. */
  remotes: z.number().int(),
});

export const backupMethods = {
  'kms.backup': {
    params: z.strictObject({ backupPassphrase }),
    result: contentsCount.extend({
      /** The backup file's bytes (format OWKMSBAK version 1), base64url. */
      backup: z.string(),
      /** The keystore it was made from, and when. */
      keystoreId: z.string(),
      createdAt: z.string(),
    }),
  },
  'kms.restore': {
    params: z.strictObject({
      backup: b64u(MAX_BACKUP_BYTES),
      backupPassphrase: secretString,
      /** The restored keystore's own sealers and unlock policy, as for kms.init (a new master key is made). */
      sealers: z.array(sealerEnrolment).min(1).max(4),
      unlockPolicy: unlockPolicy.optional(),
    }),
    result: contentsCount.extend({
      state: z.literal('unlocked'),
      keystoreId: z.string(),
      /** The keystore the backup was made from, and when the backup was made. */
      restoredFrom: z.object({ keystoreId: z.string(), backedUpAt: z.string() }),
    }),
  },
} as const;
