// The app integrity check that gates unsealing (DESIGN.md section 6): before the master key is recovered, the
// installed files must match the release manifest, whose Ed25519 signature must verify with a key built into this
// KMS. A missing, changed or extra file, a missing manifest or a bad signature is TAMPERED, naming what is wrong.
// A development build (no release key built in) checks nothing and says so.
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { KmsError, type IntegrityStatus } from '../api/index.js';
import type { AppLocation } from '../appLocation.js';
import { hashAppFiles } from './appFiles.js';
import { parseManifest, type AppManifest } from './manifestFormat.js';
import { RELEASE_PUBLIC_KEYS } from './releaseKeys.js';

const ED25519_SIGNATURE_BYTES = 64;
/** kms.status may reuse a check this recent (each one reads every app file); an unseal always checks afresh. */
const STATUS_REUSE_MS = 5000;

class Tampered extends KmsError {
  constructor(message: string, file?: string) {
    super('TAMPERED', message, file ? { data: { file } } : undefined);
  }
}

function readOrTampered(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Tampered(`the release manifest's ${what} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): ${basename(path)}`);
  }
}

/** The manifest, if its signature verifies with one of `keys` (raw Ed25519 public keys, base64url). */
export function verifiedManifest(app: AppLocation, keys: readonly string[]): AppManifest {
  const bytes = readOrTampered(app.manifest, 'file');
  const signature = readOrTampered(app.signature, 'signature');
  const signedBy = signature.length === ED25519_SIGNATURE_BYTES && keys.some((x) => {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    return verify(null, bytes, key, signature);
  });
  if (!signedBy) throw new Tampered('the release manifest is not signed by the release key of this build');
  const parsed = parseManifest(bytes);
  if (typeof parsed === 'string') throw new Tampered(parsed);
  return parsed;
}

/** Compare the files on disk with the manifest; the first difference (in path order) is named. */
export async function checkAppFiles(app: AppLocation, manifest: AppManifest): Promise<number> {
  const rootName = basename(app.root);
  const found = await hashAppFiles(dirname(app.root), app.asar ? [rootName, `${rootName}.unpacked`] : [rootName]);
  const problems: Array<{ path: string; what: string }> = [];
  const listed = new Set<string>();
  for (const entry of manifest.files) {
    listed.add(entry.path);
    const f = found.get(entry.path);
    if (!f) problems.push({ path: entry.path, what: 'is missing' });
    else if ('irregular' in f) problems.push({ path: entry.path, what: `is ${f.irregular}` });
    else if (f.sha256 !== entry.sha256 || f.size !== entry.size) problems.push({ path: entry.path, what: 'was changed' });
  }
  for (const [path, f] of found) {
    if (!listed.has(path)) problems.push({ path, what: 'irregular' in f ? `is ${f.irregular} not in the release` : 'is not part of the release' });
  }
  if (problems.length > 0) {
    problems.sort((a, b) => (a.path < b.path ? -1 : 1));
    const first = problems[0]!;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    throw new Tampered(`the application was modified: ${first.path} ${first.what}${more}`, first.path);
  }
  return manifest.files.length;
}

export class IntegrityGate {
  private last: IntegrityStatus;
  private lastAt = 0;
  private statusCheck: Promise<unknown> | undefined;

  constructor(
    private readonly app: AppLocation,
    private readonly keys: readonly string[] = RELEASE_PUBLIC_KEYS,
  ) {
    this.last = keys.length === 0
      ? { state: 'unverified', detail: 'development build: no release key is built in, so the application files are not verified' }
      : { state: 'unchecked', detail: 'the application files are checked against the signed release manifest before every unseal' };
  }

  get status(): IntegrityStatus {
    return this.last;
  }

  /** Throws TAMPERED unless the installed files are exactly the signed release (a no-op in a development build). */
  async assertIntact(): Promise<void> {
    if (this.keys.length === 0) return;
    const checkedAt = new Date().toISOString();
    this.lastAt = Date.now();
    try {
      const files = await checkAppFiles(this.app, verifiedManifest(this.app, this.keys));
      this.last = { state: 'verified', detail: `${files} files match the signed release manifest`, files, checkedAt };
    } catch (e) {
      const message = e instanceof KmsError ? e.message : `the application files could not be checked: ${(e as Error).message}`;
      this.last = { state: 'tampered', detail: message, checkedAt };
      throw e instanceof KmsError ? e : new Tampered(message);
    }
  }

  /** For kms.status: check (or reuse a check of the last few seconds, one at a time), report, never throw. */
  async refresh(): Promise<IntegrityStatus> {
    if (this.keys.length === 0 || Date.now() - this.lastAt < STATUS_REUSE_MS) return this.last;
    this.statusCheck ??= this.assertIntact().catch(() => undefined).finally(() => (this.statusCheck = undefined));
    await this.statusCheck;
    return this.last;
  }
}
