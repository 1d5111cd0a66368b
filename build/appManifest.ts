// Writes the release manifest of a packed app: the SHA-256 of every file under resources/ that belongs to the app
// (the ASAR archive's entries, read with @electron/asar, its .unpacked folder, or a plain app folder), signed with
// the release key. The KMS checks the same paths through kms-process/integrity/.
import { sign, createHash, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as asar from '@electron/asar';
import { MANIFEST_FILE, SIGNATURE_FILE } from '../kms-process/appLocation.js';
import { byPath, isManifestPath, MANIFEST_FORMAT, serializeManifest, type AppManifest, type ManifestEntry } from '../kms-process/integrity/manifestFormat.js';

function entry(path: string, bytes: Buffer): ManifestEntry {
  if (!isManifestPath(path)) throw new Error(`cannot list ${JSON.stringify(path)} in the manifest`);
  return { path, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
}

function walkFolder(resourcesDir: string, rel: string, out: ManifestEntry[]): void {
  for (const name of readdirSync(join(resourcesDir, rel)).sort()) {
    const path = `${rel}/${name}`;
    const st = lstatSync(join(resourcesDir, path));
    if (st.isDirectory()) walkFolder(resourcesDir, path, out);
    else if (st.isFile()) out.push(entry(path, readFileSync(join(resourcesDir, path))));
    else throw new Error(`${path} is not a regular file: the release ships none (the KMS would refuse it)`);
  }
}

/** The archive's files (unpacked ones read from the .unpacked folder, as Electron does). */
function walkArchive(resourcesDir: string, name: string, out: ManifestEntry[]): void {
  const archive = join(resourcesDir, name);
  for (const inner of asar.listPackage(archive, { isPack: false })) {
    const rel = inner.replace(/\\/g, '/').replace(/^\//, '');
    const st = asar.statFile(archive, rel, false) as { files?: unknown; link?: unknown; size?: number };
    if (st.files !== undefined) continue;
    if (st.link !== undefined) throw new Error(`${name}/${rel} is a link: the release ships none`);
    out.push(entry(`${name}/${rel}`, asar.extractFile(archive, rel)));
  }
}

/** Every app file under `resourcesDir`: `app.asar` plus `app.asar.unpacked`, or the `app` folder. */
export function collectAppFiles(resourcesDir: string): ManifestEntry[] {
  const out: ManifestEntry[] = [];
  if (existsSync(join(resourcesDir, 'app.asar'))) {
    walkArchive(resourcesDir, 'app.asar', out);
    if (existsSync(join(resourcesDir, 'app.asar.unpacked'))) walkFolder(resourcesDir, 'app.asar.unpacked', out);
  } else if (existsSync(join(resourcesDir, 'app'))) {
    walkFolder(resourcesDir, 'app', out);
  } else {
    throw new Error(`no app.asar or app folder in ${resourcesDir}`);
  }
  return out.sort(byPath);
}

/** Writes app-manifest.json and app-manifest.sig (the raw 64-byte Ed25519 signature of the manifest's bytes). */
export function writeSignedManifest(resourcesDir: string, app: AppManifest['app'], key: KeyObject): AppManifest {
  const manifest: AppManifest = { format: MANIFEST_FORMAT, app, files: collectAppFiles(resourcesDir) };
  const bytes = serializeManifest(manifest);
  writeFileSync(join(resourcesDir, MANIFEST_FILE), bytes);
  writeFileSync(join(resourcesDir, SIGNATURE_FILE), sign(null, bytes, key));
  return manifest;
}
