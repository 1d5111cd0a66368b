// Builds an installed-app tree the way a release lays it out, from this checkout's compiled files, for tests of the
// app integrity check: `resources/app/` (package.json, dist/, native addons, production node_modules), the KMS's
// key list rebuilt with a per-run test key (as the release build does with the release key), and the signed
// manifest written by the same code as electron-builder's afterPack hook. Main, preload and renderer are small
// stand-ins until the desktop app's own build output exists in dist/ (then those are copied instead).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSignedManifest } from '../../build/appManifest.js';
import { publicKeyOf, releaseKeysModule, RELEASE_KEYS_MODULE } from '../../build/releaseKeys.js';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface AppTree {
  resources: string;
  root: string;
  /** The KMS entry inside the tree. */
  entry: string;
  key: KeyObject;
  publicKey: string;
  /** Re-sign the manifest of the tree as it is now (with `key`, or another). */
  sign(key?: KeyObject): void;
}

/** Stand-ins for the desktop app's processes while dist/ has none (kept apart from the KMS files they sit beside). */
const STAND_INS: Record<string, Record<string, string>> = {
  'dist/main': { 'electron/index.js': '// stand-in for the Electron main entry (issue 11)\n' },
  'dist/preload': { 'wallet.js': '// stand-in for the wallet preload (issue 11)\n' },
  'dist/renderer': {
    'index.html': '<!doctype html><title>OpenWallet Desktop</title><script src="assets/index.js"></script>\n',
    'assets/index.js': '// stand-in for the renderer bundle (issue 11)\n',
  },
};

/** Which of main, preload and renderer come from stand-ins (not built in this checkout's dist/ yet). */
export function missingAppParts(): string[] {
  return Object.keys(STAND_INS).filter((d) => !existsSync(join(REPO, d)));
}

/** Writes the stand-ins for the missing parts below `root` (as `root/dist/main/...`); returns those parts. */
export function writeStandIns(root: string): string[] {
  const missing = missingAppParts();
  for (const d of missing) {
    for (const [f, text] of Object.entries(STAND_INS[d]!)) {
      mkdirSync(join(root, d, f, '..'), { recursive: true });
      writeFileSync(join(root, d, f), text);
    }
  }
  return missing;
}

/** The production packages of package-lock.json that are installed here. */
export function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && !p.dev && existsSync(join(REPO, path)))
    .map(([path]) => path);
}

// Compiler output and sources of the native packages, and nested packages (copied as their own lock entries).
const BUILD_LEFTOVERS = new Set(['obj.target', '.deps', 'deps', 'node_modules']);

export function stageAppTree(dir: string, key?: KeyObject): AppTree {
  const resources = join(dir, 'resources');
  const root = join(resources, 'app');
  mkdirSync(root, { recursive: true });
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { name: string; version: string };
  writeFileSync(join(root, 'package.json'), JSON.stringify({ ...pkg, main: 'dist/main/electron/index.js' }, null, 2));
  const noMaps = (src: string) => !src.endsWith('.map');
  for (const d of ['dist/kms-process', 'dist/native']) cpSync(join(REPO, d), join(root, d), { recursive: true, filter: noMaps });
  for (const d of Object.keys(STAND_INS)) {
    if (existsSync(join(REPO, d))) cpSync(join(REPO, d), join(root, d), { recursive: true, filter: noMaps });
  }
  writeStandIns(root);
  for (const addon of ['harden', 'tpm2']) {
    const file = join('native', addon, 'build', 'Release', `${addon}.node`);
    if (existsSync(join(REPO, file))) cpSync(join(REPO, file), join(root, file));
  }
  for (const p of productionPackages()) {
    cpSync(join(REPO, p), join(root, p), { recursive: true, filter: (src) => !BUILD_LEFTOVERS.has(basename(src)) || src === join(REPO, p) });
  }
  const k = key ?? generateKeyPairSync('ed25519').privateKey;
  const publicKey = publicKeyOf(k);
  writeFileSync(join(root, RELEASE_KEYS_MODULE), releaseKeysModule([publicKey]));
  const sign = (by: KeyObject = k) => void writeSignedManifest(resources, { name: pkg.name, version: pkg.version }, by);
  sign();
  return { resources, root, entry: join(root, 'dist', 'kms-process', 'index.js'), key: k, publicKey, sign };
}
