// owkms backup --out FILE / restore --in FILE (issue 13). The KMS makes and opens the encrypted backup; owkms writes
// and reads the file (the sandboxed KMS writes only in its store). The backup passphrase comes from
// $OWKMS_BACKUP_PASSPHRASE, --backup-passphrase-file, or a prompt without echo (asked twice for a backup).
import { fromB64u, toB64u } from '../kms-process/api/bytes.js';
import { KmsError } from '../kms-process/api/errors.js';
import { readBackupFile, writeBackupFile } from '../kms-process/client/backupFile.js';
import { str, type Command, type Invocation, type OptionSpec } from './command.js';
import { readSecret } from './secrets.js';
import { checkSealers, SEALER_OPTIONS, sealers } from './storeCommands.js';

const backupPassphrase = (inv: Invocation, confirm: boolean) =>
  readSecret({ env: 'OWKMS_BACKUP_PASSPHRASE', file: str(inv, 'backup-passphrase-file'), what: 'Backup passphrase' }, confirm);

const PASSPHRASE_FILE: OptionSpec = {
  type: 'string',
  value: 'F',
  help: 'read the backup passphrase from this file (else $OWKMS_BACKUP_PASSPHRASE, else a prompt without echo)',
};

export const BACKUP_COMMANDS: readonly Command[] = [
  {
    name: 'backup',
    summary: 'every key (versions, policies, seeds, token and KMIP references) into a file encrypted under a backup passphrase',
    args: [],
    options: {
      out: { type: 'string', value: 'FILE', required: true, help: 'the backup file to write (must not exist; written whole or not at all)' },
      'backup-passphrase-file': PASSPHRASE_FILE,
    },
    notes: [
      'The backup passphrase (asked twice at a prompt) goes through Argon2id with a fresh salt; the file is AES-256-GCM with an HMAC over all of it. It does not depend on the sealers: restore it with any.',
      'Prints what was written: file, bytes, keys, versions, remotes, keystoreId, createdAt.',
    ],
    method: 'kms.backup',
    unlock: true,
    params: async (inv) => ({ backupPassphrase: await backupPassphrase(inv, true) }),
    present: (result, options) => {
      const r = result as { backup: string; keys: number; versions: number; remotes: number; keystoreId: string; createdAt: string };
      const bytes = fromB64u(r.backup);
      if (!bytes) throw new KmsError('INTERNAL', 'the KMS answered with a malformed backup');
      const file = options.out as string;
      writeBackupFile(file, bytes);
      return { file, bytes: bytes.length, keys: r.keys, versions: r.versions, remotes: r.remotes, keystoreId: r.keystoreId, createdAt: r.createdAt };
    },
  },
  {
    name: 'restore',
    summary: 'a backup into a store that has no keystore, sealed by the sealers given (as init)',
    args: [],
    options: {
      in: { type: 'string', value: 'FILE', required: true, help: 'the backup file owkms backup wrote' },
      'backup-passphrase-file': PASSPHRASE_FILE,
      ...SEALER_OPTIONS,
    },
    notes: [
      'Like init, the only other command that creates the store (folder too, owner-only); a keystore already there is refused (ALREADY_INITIALIZED).',
      'A wrong backup passphrase is WRONG_SECRET; a truncated, edited or damaged backup CORRUPT or TAMPERED; a newer format UNSUPPORTED: nothing is written.',
      'The restored keystore has a new master key, sealed by --seal (default passphrase: $OWKMS_PASSPHRASE, --passphrase-file or a prompt).',
    ],
    method: 'kms.restore',
    unlock: false,
    check: checkSealers,
    params: async (inv) => {
      const backup = toB64u(readBackupFile(str(inv, 'in')!));
      const backupPassphraseValue = await backupPassphrase(inv, false);
      const unlockPolicy = str(inv, 'unlock-policy');
      return { backup, backupPassphrase: backupPassphraseValue, sealers: await sealers(inv, false), ...(unlockPolicy ? { unlockPolicy } : {}) };
    },
  },
];
