// The files an installed app has under resources/: every regular file below the app folder or ASAR archive (read
// through Electron's ASAR support, which shows an archive as a folder) and below its `.unpacked` folder, with the
// SHA-256 of each. Anything else there (a link, a socket) is reported, never followed.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type FoundFile = { sha256: string; size: number } | { irregular: string };

/** Files hashed at once: enough to keep the thread pool busy, few enough to bound memory. */
const CONCURRENCY = 8;

function walk(resourcesDir: string, rel: string, out: Map<string, FoundFile>, pending: string[]): void {
  for (const name of readdirSync(join(resourcesDir, rel)).sort()) {
    const path = `${rel}/${name}`;
    const st = lstatSync(join(resourcesDir, path));
    if (st.isDirectory()) walk(resourcesDir, path, out, pending);
    else if (st.isFile()) pending.push(path);
    else out.set(path, { irregular: st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file' });
  }
}

/** Every file below `roots` (names inside `resourcesDir`), keyed by its manifest path. Missing roots are skipped. */
export async function hashAppFiles(resourcesDir: string, roots: readonly string[]): Promise<Map<string, FoundFile>> {
  const out = new Map<string, FoundFile>();
  const pending: string[] = [];
  for (const root of roots) {
    if (!existsSync(join(resourcesDir, root))) continue;
    const st = lstatSync(join(resourcesDir, root));
    if (st.isDirectory()) walk(resourcesDir, root, out, pending);
    else out.set(root, { irregular: 'not a folder' });
  }
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const path = pending[next++]!;
      const bytes = await readFile(join(resourcesDir, path));
      out.set(path, { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return out;
}
