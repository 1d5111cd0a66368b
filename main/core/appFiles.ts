// Maps a URL of the app's own origin to a file of the renderer bundle, for the app:// protocol handler (Electron)
// and the harness's page routes alike. Refuses other origins, traversal out of the bundle, and unknown types.
import { extname, join, normalize, sep } from 'node:path';
import { originOf } from './senderCheck.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export type AppFile = { ok: true; path: string; contentType: string } | { ok: false; status: 403 | 404 };

export function resolveAppFile(url: string, appOrigin: string, root: string): AppFile {
  if (originOf(url) !== appOrigin) return { ok: false, status: 403 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url).pathname);
  } catch {
    return { ok: false, status: 404 };
  }
  if (pathname === '/' || pathname === '') pathname = '/index.html';
  if (pathname.includes('\0')) return { ok: false, status: 404 };
  const full = normalize(join(root, pathname));
  if (!full.startsWith(normalize(root) + sep)) return { ok: false, status: 403 };
  const contentType = CONTENT_TYPES[extname(full).toLowerCase()];
  if (!contentType) return { ok: false, status: 404 };
  return { ok: true, path: full, contentType };
}
