// owkms backup --out FILE / restore --in FILE (issue 13). The KMS makes and opens the encrypted backup; owkms writes
// and reads the file (the sandboxed KMS writes only in its store). The backup passphrase comes from
// $OWKMS_BACKUP_PASSPHRASE, --backup-passphrase-file, or a prompt without echo (asked twice for a backup).
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, basename } from 'node:path';
import { fromB64u, toB64u } from '../kms-process/api/bytes.js';
import { KmsError } from '../kms-process/api/errors.js';
import { MAX_BACKUP_BYTES } from '../kms-process/api/limits.js';
import { sealers, type Command, type Invocation } from './commands.js';
import { readSecret } from './secrets.js';

const backupPassphrase = (inv: Invocation, confirm: boolean) =>
  readSecret({ env: 'OWKMS_BACKUP_PASSPHRASE', file: typeof inv.options['backup-passphrase-file'] === 'string' ? inv.options['backup-passphrase-file'] : undefined, what: 'Backup passphrase' }, confirm);

function ioError(what: string, e: unknown): KmsError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  // Lack of space or an I/O error is the machine's state, not a bad request: the same kind the keystore uses.
  const kind = code === 'EEXIST' || code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' ? 'INVALID_REQUEST' : 'UNAVAILABLE';
  return new KmsError(kind, `${what} (${code})`, { cause: e });
}

/**
 * Write the backup so that FILE either does not exist or holds the whole backup, never a part: a temporary file in
 * the same folder, synced, linked to FILE (which refuses an existing FILE), then read back and compared.
 */
export function writeBackupFile(path: string, bytes: Buffer): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
  } catch (e) {
    throw ioError(`cannot write the backup to ${path}`, e);
  } finally {
    rmSync(tmp, { force: true });
  }
  let back: Buffer;
  try {
    back = readFileSync(path);
  } catch (e) {
    throw ioError(`cannot read the backup back from ${path}`, e);
  }
  if (!back.equals(bytes)) throw new KmsError('UNAVAILABLE', `the backup read back from ${path} differs from what was written; do not rely on it`);
}

export function readBackupFile(path: string): Buffer {
  try {
    if (statSync(path).size > MAX_BACKUP_BYTES) throw new KmsError('INVALID_REQUEST', `${path} is larger than any backup (${MAX_BACKUP_BYTES} bytes)`);
    return readFileSync(path);
  } catch (e) {
    if (e instanceof KmsError) throw e;
    throw ioError(`cannot read the backup ${path}`, e);
  }
}

export const BACKUP_COMMANDS: readonly Command[] = [
  {
    name: 'backup',
    usage: 'backup --out FILE [--backup-passphrase-file F] (every key, encrypted under a backup passphrase; FILE must not exist)',
    method: 'kms.backup',
    options: ['out', 'backup-passphrase-file'],
    args: 0,
    unlock: true,
    params: async (inv) => {
      if (typeof inv.options.out !== 'string') throw new KmsError('INVALID_REQUEST', '--out is required');
      return { backupPassphrase: await backupPassphrase(inv, true) };
    },
    output: async (result, inv) => {
      const r = result as { backup: string; keys: number; versions: number; remotes: number; keystoreId: string; createdAt: string };
      const bytes = fromB64u(r.backup);
      if (!bytes) throw new KmsError('INTERNAL', 'the KMS answered with a malformed backup');
      const file = inv.options.out as string;
      writeBackupFile(file, bytes);
      return { file, bytes: bytes.length, keys: r.keys, versions: r.versions, remotes: r.remotes, keystoreId: r.keystoreId, createdAt: r.createdAt };
    },
  },
  {
    name: 'restore',
    usage: 'restore --in FILE [--seal passphrase|keychain|tpm|pkcs11:TOKEN ...] [--unlock-policy any|all] [--backup-passphrase-file F] (into an empty store)',
    method: 'kms.restore',
    options: ['in', 'seal', 'unlock-policy', 'tcti', 'backup-passphrase-file'],
    args: 0,
    unlock: false,
    params: async (inv) => {
      if (typeof inv.options.in !== 'string') throw new KmsError('INVALID_REQUEST', '--in is required');
      const backup = toB64u(readBackupFile(inv.options.in));
      const backupPassphraseValue = await backupPassphrase(inv, false);
      const unlockPolicy = typeof inv.options['unlock-policy'] === 'string' ? inv.options['unlock-policy'] : undefined;
      return { backup, backupPassphrase: backupPassphraseValue, sealers: await sealers(inv), ...(unlockPolicy ? { unlockPolicy } : {}) };
    },
  },
];
