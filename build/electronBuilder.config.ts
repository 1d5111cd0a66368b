// electron-builder configuration: AppImage and deb, NSIS, dmg; native modules outside the ASAR; Electron's fuses;
// the release key built into the packed KMS and the signed manifest written after packing. `npm run dist` builds
// the installers for the current OS (electron-builder downloads Electron and its tools); the packaging test builds
// `--linux --dir` offline against a stand-in Electron (test/build/packaging.test.ts).
import type { Configuration, FileSet } from 'electron-builder';
import { afterPackWithKey } from './afterPack.js';
import { loadReleaseKey, RELEASE_KEY_ENV, RELEASE_KEYS_MODULE, writeReleaseKeysModule } from './releaseKeys.js';

/** Electron's fuses (flipped in the binary before signing): everything that lets the environment steer the app, off. */
export const FUSES = {
  runAsNode: false,
  enableCookieEncryption: true,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  loadBrowserProcessSpecificV8Snapshot: false,
  grantFileProtocolExtraPrivileges: false,
} as const;

/** What the app ships: the compiled processes, the native addons, package.json (and the production dependencies). */
export const APP_FILES = [
  'package.json',
  'dist/main/**/*',
  // The Chromium shell is for development on machines without Electron (it drives a browser with playwright-core).
  '!dist/main/chromium/**',
  'dist/agent/**/*',
  'dist/preload/**/*',
  'dist/renderer/**/*',
  'dist/kms-process/**/*',
  'dist/native/**/*',
  'native/*/build/Release/*.node',
  // The PKCS#11 v3.0 module that other programs load (Firefox, OpenSSH, OpenSSL): owkms pkcs11 module-path names it.
  'native/pkcs11-module/build/*.so',
  // Never: source maps, TypeScript sources and declarations, environment files, tests.
  '!**/*.map',
  '!**/*.{ts,mts,cts}',
  '!**/.env*',
  '!**/{test,tests,__tests__}/**',
  '!**/{test,*.test,*.spec}.{js,mjs,cjs}',
  '!**/node_modules/better-sqlite3/build/Release/test_extension.node',
  // argon2 loads its own build (rebuilt for Electron); the prebuilt binaries for other systems are not shipped.
  '!**/node_modules/argon2/prebuilds/**',
  // Build leftovers of the native dependencies (sources, object files, headers): only the .node files run.
  '!**/node_modules/*/{src,deps,binding.gyp}',
  '!**/node_modules/*/build/{Makefile,config.gypi,*.mk,Release/obj.target,Release/obj,Release/.deps,deps,node_gyp_bins}',
  '!**/node_modules/*/build/Release/*.{a,o,lib,exp,pdb}',
  '!**/node_modules/**/*.{md,markdown,c,cc,cpp,h,hpp,gyp,gypi}',
];

/** Native parts are loaded from files on disk (dlopen cannot read inside an archive). */
export const ASAR_UNPACK = ['**/*.node', 'native/pkcs11-module/build/*.so'];

const keyFile = process.env[RELEASE_KEY_ENV];
const releaseKey = keyFile ? loadReleaseKey(keyFile) : undefined;
// The packed KMS trusts the release key: its key list is swapped for a generated copy, never edited in dist/.
const releaseKeyFiles: FileSet[] = releaseKey
  ? [{ from: writeReleaseKeysModule([releaseKey.publicKey]), to: 'dist/kms-process/integrity', filter: ['releaseKeys.js'] }]
  : [];

const config: Configuration = {
  appId: 'org.openwallet.desktop',
  productName: 'OpenWallet Desktop',
  executableName: 'openwallet-desktop',
  directories: { output: 'release', buildResources: 'build/resources' },
  extraMetadata: { main: 'dist/main/electron/index.js' },
  files: [...APP_FILES, ...(releaseKey ? [`!${RELEASE_KEYS_MODULE}`] : []), ...releaseKeyFiles],
  asar: true,
  asarUnpack: ASAR_UNPACK,
  // Native dependencies are rebuilt for Electron's ABI (@electron/rebuild); N-API addons (native/*) need no rebuild.
  npmRebuild: true,
  electronFuses: FUSES,
  afterPack: afterPackWithKey(releaseKey),
  linux: { target: ['AppImage', 'deb'], category: 'Finance', maintainer: 'OpenWallet Desktop' },
  deb: { priority: 'optional' },
  win: { target: ['nsis'] },
  // Per machine: Program Files is writable by administrators only, unlike a per-user install.
  nsis: { oneClick: false, perMachine: true, allowElevation: true },
  mac: { target: ['dmg'], category: 'public.app-category.finance', hardenedRuntime: true, gatekeeperAssess: false },
};

export default config;
