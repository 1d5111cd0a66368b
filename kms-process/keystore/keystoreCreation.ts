// Making a keystore's folder and file for kms.init, and undoing exactly that when the init fails after it: a mistake
// leaves nothing behind (issue 9).
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { KmsError } from '../api/errors.js';
import { DB_FILE } from './database.js';
import { Keystore } from './keystore.js';

/** The new keystore, and `discard`, which removes its file and the folders this call made (only while empty). */
export function createKeystore(dir: string, caller: string): { keystore: Keystore; discard: () => void } {
  let firstMade: string | undefined;
  try {
    firstMade = mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Under the sandbox the KMS reaches only a store folder that existed when it started; its parent makes it.
    if (code === 'EACCES' || code === 'EPERM') {
      throw new KmsError('UNAVAILABLE', 'the store folder does not exist, and the sandboxed KMS cannot make it: its parent makes the folder before kms.init (owkms init does)', { cause: e });
    }
    throw e;
  }
  const keystore = Keystore.open(dir, caller);
  const discard = () => {
    keystore.close();
    for (const f of [DB_FILE, `${DB_FILE}-wal`, `${DB_FILE}-shm`, `${DB_FILE}-journal`]) rmSync(join(dir, f), { force: true });
    if (!firstMade) return;
    // Deepest first, up to the first folder made here; a folder something else has put a file in stays.
    for (let d = dir; ; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        return;
      }
      if (d === firstMade || dirname(d) === d) return;
    }
  };
  return { keystore, discard };
}
