// Finds a runnable Electron without require('electron') (which, from electron 42 on, tries to download the binary
// and throws offline): $OWKMS_ELECTRON, else the binary the electron package installed (path.txt + dist/).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { path: string } | { reason: string };

export function findElectron(root = process.cwd()): ElectronBinary {
  const override = process.env.OWKMS_ELECTRON;
  if (override) return existsSync(override) ? { path: override } : { reason: `OWKMS_ELECTRON=${override} does not exist` };
  const pkg = join(root, 'node_modules', 'electron');
  const pathTxt = join(pkg, 'path.txt');
  if (!existsSync(pathTxt)) {
    return {
      reason:
        'no Electron binary here (node_modules/electron/path.txt is missing: electron >= 42 downloads its binary on first ' +
        'require, which cannot happen offline; DESIGN.md section 10). Set OWKMS_ELECTRON to an unfused development build to run these.',
    };
  }
  const binary = join(pkg, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(binary) ? { path: binary } : { reason: `node_modules/electron/path.txt names ${binary}, which does not exist` };
}
