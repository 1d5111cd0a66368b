// The package, checked here without an Electron binary (none can be had on these machines): electron-builder
// `--linux --dir` runs offline with electronDist pointing at a stand-in shaped like Electron's (standInElectron.ts),
// with the real configuration (build/electronBuilder.config.ts) and a release key made for this run. This checks
// configuration and layout (the ASAR's contents, unpacked native modules, fuses, the built-in key, the signed
// manifest), and runs the packed KMS under Node; it does not run Electron.
import * as asar from '@electron/asar';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FUSES } from '../../build/electronBuilder.config.js';
import { publicKeyOf } from '../../build/releaseKeys.js';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../../kms-process/appLocation.js';
import { productionPackages, REPO, writeStandIns } from '../helpers/appTree.js';
import { PASSPHRASE, removeDir, startKms, tempDir } from '../helpers/kms.js';
import { FUSE_NAMES, FUSE_OFF, FUSE_ON, makeStandInElectron, readFuseWire } from './standInElectron.js';

const EXECUTABLE = 'openwallet-desktop';
/** What the built Electron should say for each fuse, by @electron/fuses' name. */
const EXPECTED_FUSES: Record<(typeof FUSE_NAMES)[number], boolean> = {
  RunAsNode: FUSES.runAsNode,
  EnableCookieEncryption: FUSES.enableCookieEncryption,
  EnableNodeOptionsEnvironmentVariable: FUSES.enableNodeOptionsEnvironmentVariable,
  EnableNodeCliInspectArguments: FUSES.enableNodeCliInspectArguments,
  EnableEmbeddedAsarIntegrityValidation: FUSES.enableEmbeddedAsarIntegrityValidation,
  OnlyLoadAppFromAsar: FUSES.onlyLoadAppFromAsar,
  LoadBrowserProcessSpecificV8Snapshot: FUSES.loadBrowserProcessSpecificV8Snapshot,
  GrantFileProtocolExtraPrivileges: FUSES.grantFileProtocolExtraPrivileges,
};

let work: string;
let out: string;
let resources: string;
let archive: string;
let publicKey: string;
let standIns: string[];
let entries: string[];

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), base) : [relative(base, join(dir, e.name))],
  );
}

beforeAll(() => {
  work = tempDir('owkms-pack-');
  const electronDist = makeStandInElectron(join(work, 'electron-dist'));
  const standInRoot = join(work, 'stand-ins');
  standIns = writeStandIns(standInRoot);
  const key = generateKeyPairSync('ed25519').privateKey;
  publicKey = publicKeyOf(key);
  const keyFile = join(work, 'release-key.pem');
  writeFileSync(keyFile, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  out = join(work, 'out');
  const electronPkg = join(REPO, 'node_modules', 'electron', 'package.json');
  const electronVersion = existsSync(electronPkg) ? (JSON.parse(readFileSync(electronPkg, 'utf8')) as { version: string }).version : '42.0.0';
  // The real configuration, pointed at the stand-in Electron, an output folder, and stand-ins for missing app parts;
  // no rebuild (that downloads Electron's headers; the packed modules stay built for this Node, which runs them below).
  const config = join(work, 'electron-builder.config.mjs');
  writeFileSync(config, [
    `import base from ${JSON.stringify(join(REPO, 'dist', 'build', 'electronBuilder.config.js'))};`,
    `const standIns = ${JSON.stringify(standIns.map((d) => ({ from: join(standInRoot, d), to: d })))};`,
    'export default { ...base, electronDist: ' + JSON.stringify(electronDist) + ', electronVersion: ' + JSON.stringify(electronVersion) + ',',
    '  npmRebuild: false, directories: { ...base.directories, output: ' + JSON.stringify(out) + ' }, files: [...base.files, ...standIns] };',
    '',
  ].join('\n'));
  const r = spawnSync(process.execPath, [join(REPO, 'node_modules', 'electron-builder', 'cli.js'), '--linux', '--dir', '--config', config, '--projectDir', REPO], {
    cwd: REPO,
    env: { ...process.env, OWKMS_RELEASE_KEY_FILE: keyFile, CI: '1' },
    encoding: 'utf8',
    timeout: 170_000,
  });
  if (r.status !== 0) throw new Error(`electron-builder failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  resources = join(out, 'linux-unpacked', 'resources');
  archive = join(resources, 'app.asar');
  entries = asar.listPackage(archive, { isPack: false }).map((p) => p.replace(/^\//, ''));
}, 180_000);

afterAll(() => removeDir(work));

const isFile = (p: string) => {
  const st = asar.statFile(archive, p, false) as { files?: unknown };
  return st.files === undefined;
};

describe('the packed app (electron-builder --linux --dir, stand-in Electron)', () => {
  it('the ASAR holds exactly the app\'s own files: package.json, the compiled processes and the native addons', () => {
    const own = entries.filter((p) => isFile(p) && !p.startsWith('node_modules/')).sort();
    const expected = [
      'package.json',
      ...['dist/kms-process', 'dist/native', 'dist/agent'].flatMap((d) => filesUnder(join(REPO, d)).map((f) => `${d}/${f}`)).filter((f) => !f.endsWith('.map')),
      ...['harden', 'peercred', 'tpm2'].map((a) => `native/${a}/build/Release/${a}.node`),
      'native/pkcs11-module/build/libowkms-pkcs11.so',
      ...['dist/main', 'dist/preload', 'dist/renderer'].flatMap((d) =>
        standIns.includes(d) ? filesUnder(join(work, 'stand-ins', d)).map((f) => `${d}/${f}`) : filesUnder(join(REPO, d)).map((f) => `${d}/${f}`).filter((f) => !f.endsWith('.map'))),
    ].filter((f) => !f.startsWith('dist/main/chromium/')).sort(); // the Chromium shell is for development only
    expect(own).toEqual(expected);
    console.log(`stand-ins packed for: ${standIns.join(', ') || 'none'}`);
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as { main?: string };
    expect(pkg.main).toBe('dist/main/electron/index.js');
  });

  it('node_modules holds every production package (by name and version) and nothing of development', () => {
    // electron-builder lays node_modules out by its own hoisting: compare packages, not paths.
    const packed = new Set(
      entries
        .filter((p) => /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+\/package\.json$/.test(p))
        .map((p) => JSON.parse(asar.extractFile(archive, p).toString()) as { name?: string; version?: string })
        .map((j) => `${j.name}@${j.version}`),
    );
    const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; version?: string }> };
    const id = (path: string) => `${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${lock.packages[path]!.version}`;
    for (const p of productionPackages()) expect(packed.has(id(p)), id(p)).toBe(true);
    const dev = Object.entries(lock.packages).filter(([p, v]) => p.startsWith('node_modules/') && v.dev).map(([p]) => id(p));
    expect(dev.some((d) => d.startsWith('vitest@'))).toBe(true);
    // A package both sides use at one version is production; the rest of the development packages must be absent.
    const prod = new Set(productionPackages().map(id));
    for (const d of dev) if (!prod.has(d)) expect(packed.has(d), d).toBe(false);
  });

  it('ships no source maps, TypeScript, .env files, tests, docs or native build leftovers', () => {
    const forbidden = [
      /\.map$/, /\.(ts|mts|cts)$/, /(^|\/)\.env/, /(^|\/)(test|tests|__tests__)\//, /(^|\/)(test|[^/]+\.test|[^/]+\.spec)\.(js|mjs|cjs)$/,
      /\.(md|markdown)$/i, /\/obj\.target\//, /\.(o|a|c|cc|cpp|h|hpp|gyp|gypi)$/, /test_extension\.node$/, /argon2\/prebuilds\//,
      /^dist\/(cli|bench|build|test)\//, /(^|\/)(src|tests?)\/.*\.ts$/,
    ];
    const bad = entries.filter((p) => isFile(p) && forbidden.some((re) => re.test(p)));
    expect(bad).toEqual([]);
  });

  it('native modules are unpacked next to the ASAR (dlopen reads files, not archive entries)', () => {
    const natives = entries.filter((p) => p.endsWith('.node') || p.endsWith('.so')).sort();
    expect(natives).toEqual(expect.arrayContaining([
      'native/harden/build/Release/harden.node',
      'native/peercred/build/Release/peercred.node',
      'native/pkcs11-module/build/libowkms-pkcs11.so',
      'native/tpm2/build/Release/tpm2.node',
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
      'node_modules/argon2/build/Release/argon2.node',
      'node_modules/pkcs11js/build/Release/pkcs11.node',
    ]));
    for (const p of natives) {
      expect((asar.statFile(archive, p, false) as { unpacked?: boolean }).unpacked, p).toBe(true);
      const onDisk = readFileSync(join(resources, 'app.asar.unpacked', p));
      expect(createHash('sha256').update(onDisk).digest('hex'), p).toBe(createHash('sha256').update(readFileSync(join(REPO, p))).digest('hex'));
    }
  });

  it('`@electron/fuses read` shows every fuse as configured, and so do the bytes after the sentinel', () => {
    const exe = join(out, 'linux-unpacked', EXECUTABLE);
    const read = execFileSync(process.execPath, [join(REPO, 'node_modules', '@electron', 'fuses', 'dist', 'bin.js'), 'read', '--app', exe], {
      encoding: 'utf8',
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
    });
    for (const [name, on] of Object.entries(EXPECTED_FUSES)) expect(read).toMatch(new RegExp(`${name} is ${on ? 'Enabled' : 'Disabled'}`));
    const wire = readFuseWire(readFileSync(exe));
    expect(wire).toEqual(Object.fromEntries(Object.entries(EXPECTED_FUSES).map(([n, on]) => [n, on ? FUSE_ON : FUSE_OFF])));
    // The list, spelled out: RunAsNode, NODE_OPTIONS, inspect and file:// privileges off; cookies, ASAR
    // integrity and ASAR-only on.
    expect(wire).toMatchObject({ RunAsNode: FUSE_OFF, EnableNodeOptionsEnvironmentVariable: FUSE_OFF, EnableNodeCliInspectArguments: FUSE_OFF,
      GrantFileProtocolExtraPrivileges: FUSE_OFF, EnableCookieEncryption: FUSE_ON, EnableEmbeddedAsarIntegrityValidation: FUSE_ON, OnlyLoadAppFromAsar: FUSE_ON });
  });

  it('the packed KMS has the release key built in; the checkout\'s dist/ still has none', () => {
    const packed = asar.extractFile(archive, 'dist/kms-process/integrity/releaseKeys.js').toString();
    expect(packed).toContain(`Object.freeze(["${publicKey}"])`);
    expect(readFileSync(join(REPO, 'dist', 'kms-process', 'integrity', 'releaseKeys.js'), 'utf8')).not.toContain(publicKey);
  });

  it('the signed manifest covers exactly the ASAR\'s files and the unpacked ones; openssl verifies its signature', () => {
    const manifest = JSON.parse(readFileSync(join(resources, MANIFEST_FILE), 'utf8')) as { files: Array<{ path: string; sha256: string }> };
    const expected = [
      ...entries.filter(isFile).map((p) => `app.asar/${p}`),
      ...filesUnder(join(resources, 'app.asar.unpacked')).map((p) => `app.asar.unpacked/${p}`),
    ].sort();
    expect(manifest.files.map((f) => f.path)).toEqual(expected);
    for (const f of manifest.files.filter((_, i) => i % 25 === 0)) {
      const bytes = f.path.startsWith('app.asar/') ? asar.extractFile(archive, f.path.slice('app.asar/'.length)) : readFileSync(join(resources, f.path));
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
    }
    const pem = join(work, 'public.pem');
    if (spawnSync('openssl', ['version']).error) throw new Error('openssl not found: install the Debian package `openssl`');
    writeFileSync(pem, execFileSync('openssl', ['pkey', '-pubout', '-in', join(work, 'release-key.pem')]));
    const v = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-rawin', '-in', join(resources, MANIFEST_FILE), '-sigfile', join(resources, SIGNATURE_FILE)], { encoding: 'utf8' });
    expect(v.stdout).toContain('Signature Verified Successfully');
  });

  it('the packed KMS, run under Node from the extracted archive, verifies its files and refuses a changed one', async () => {
    // Electron reads into app.asar as a folder; here the archive is extracted into a folder of that name.
    const installed = join(work, 'installed', 'resources');
    mkdirSync(installed, { recursive: true });
    asar.extractAll(archive, join(installed, 'app.asar'));
    cpSync(join(resources, 'app.asar.unpacked'), join(installed, 'app.asar.unpacked'), { recursive: true });
    for (const f of [MANIFEST_FILE, SIGNATURE_FILE]) cpSync(join(resources, f), join(installed, f));
    const kms = await startKms({ entry: join(installed, 'app.asar', 'dist', 'kms-process', 'index.js'), dir: join(work, 'store'), createStore: true });
    try {
      const status = await kms.client.call('kms.status', {});
      expect(status.integrity).toMatchObject({ state: 'verified' });
      expect(status.sandbox!.landlock.readOnly).toContain(installed);
      await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
      await kms.client.call('kms.lock', {});
      const target = 'app.asar.unpacked/node_modules/better-sqlite3/lib/util.js';
      writeFileSync(join(installed, target), readFileSync(join(installed, target), 'utf8') + '\n// injected\n');
      const e = await kms.client.call('kms.unlock', { passphrase: PASSPHRASE }).then(() => undefined, (x: { kind?: string; data?: { file?: string } }) => x);
      expect(e).toMatchObject({ kind: 'TAMPERED', data: { file: target } });
    } finally {
      await kms.stop();
    }
  });
});
