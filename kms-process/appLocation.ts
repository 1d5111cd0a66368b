// Where the running KMS's application lives: the folder (or ASAR archive) holding the package.json above this file,
// and, in a packaged app, the release manifest next to it. Used by the sandbox (what code to allow) and the
// integrity check (what files to verify).
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The release manifest and its Ed25519 signature, next to the app folder or archive (resources/ when packaged). */
export const MANIFEST_FILE = 'app-manifest.json';
export const SIGNATURE_FILE = 'app-manifest.sig';

export interface AppLocation {
  /** The folder or ASAR archive holding package.json: `.../resources/app.asar`, `.../resources/app`, a checkout. */
  root: string;
  /** Whether the root is an ASAR archive (Electron reads into it; on disk it is one file). */
  asar: boolean;
  manifest: string;
  signature: string;
}

export function appLocation(from: string = dirname(fileURLToPath(import.meta.url))): AppLocation {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      return { root: dir, asar: basename(dir).endsWith('.asar'), manifest: join(parent, MANIFEST_FILE), signature: join(parent, SIGNATURE_FILE) };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json above ${from}`);
  }
}
