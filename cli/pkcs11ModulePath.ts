// Where the PKCS#11 module was built (native/install.mjs runs its Makefile at npm install).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function pkcs11ModulePath(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'native', 'pkcs11-module', 'build', process.platform === 'darwin' ? 'libowkms-pkcs11.dylib' : 'libowkms-pkcs11.so');
    if (dirname(dir) === dir) throw new Error('package root not found');
  }
}
