// Serves the renderer bundle on app://wallet/ (protocol.handle), never file://: one origin, the CSP and security
// headers on every response, no directory listing, nothing outside the bundle.
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { resolveAppFile } from '../core/appFiles.js';
import { APP_ORIGIN, APP_SCHEME, APP_SCHEME_PRIVILEGES, RESPONSE_HEADERS } from './settings.js';

/** Before app ready: app:// is a standard, secure scheme (so it has an origin and a secure context). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

export function serveApp(rendererRoot: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    if (request.method !== 'GET') return new Response(null, { status: 405, headers: RESPONSE_HEADERS });
    const file = resolveAppFile(request.url, APP_ORIGIN, rendererRoot);
    if (!file.ok) return new Response(null, { status: file.status, headers: RESPONSE_HEADERS });
    try {
      const body = await readFile(file.path);
      return new Response(body, { status: 200, headers: { ...RESPONSE_HEADERS, 'Content-Type': file.contentType } });
    } catch {
      return new Response(null, { status: 404, headers: RESPONSE_HEADERS });
    }
  });
}
