// The release manifest: the SHA-256 of every file the app ships under resources/ (the app folder or ASAR archive
// and its unpacked files), signed as a whole with the release Ed25519 key. Shared by the build that writes it and
// the KMS that checks it, so both agree on what a path and an entry are.
export const MANIFEST_FORMAT = 'openwallet-app-manifest/1';

export interface ManifestEntry {
  /** Relative to resources/, with `/`: `app.asar/dist/main/electron/index.js`, `app.asar.unpacked/...`. */
  path: string;
  sha256: string;
  size: number;
}

export interface AppManifest {
  format: typeof MANIFEST_FORMAT;
  app: { name: string; version: string };
  /** Sorted by path (code unit order), no duplicates. */
  files: ManifestEntry[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const MAX_FILES = 100_000;

/** A path as the manifest writes it: relative, `/`-separated, no empty, `.` or `..` segment, no NUL or backslash. */
export function isManifestPath(p: string): boolean {
  return p.length > 0 && p.length <= 4096 && !/[\\\0]/.test(p) && p.split('/').every((s) => s !== '' && s !== '.' && s !== '..');
}

export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The exact bytes that get signed: one canonical JSON text. */
export function serializeManifest(m: AppManifest): Buffer {
  const files = [...m.files].sort(byPath).map((f) => ({ path: f.path, sha256: f.sha256, size: f.size }));
  return Buffer.from(JSON.stringify({ format: m.format, app: { name: m.app.name, version: m.app.version }, files }, null, 1) + '\n');
}

/** Parse signed bytes; anything not exactly as the writer makes it is refused (a reason, never a partial result). */
export function parseManifest(bytes: Buffer): AppManifest | string {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch {
    return 'the manifest is not JSON';
  }
  const m = v as Partial<AppManifest>;
  if (!m || typeof m !== 'object' || m.format !== MANIFEST_FORMAT) return 'the manifest has an unknown format';
  if (!m.app || typeof m.app.name !== 'string' || typeof m.app.version !== 'string') return 'the manifest does not name the app';
  if (!Array.isArray(m.files) || m.files.length > MAX_FILES) return 'the manifest has no file list';
  let previous = '';
  for (const f of m.files as unknown[]) {
    const e = f as Partial<ManifestEntry>;
    if (!e || typeof e.path !== 'string' || !isManifestPath(e.path)) return 'the manifest has a malformed path';
    if (typeof e.sha256 !== 'string' || !HEX64.test(e.sha256)) return `the manifest entry for ${e.path} has a malformed hash`;
    if (!Number.isSafeInteger(e.size) || (e.size as number) < 0) return `the manifest entry for ${e.path} has a malformed size`;
    if (e.path <= previous) return 'the manifest file list is not sorted or repeats a path';
    previous = e.path;
  }
  return m as AppManifest;
}
