// The WebKMS HTTPS service on 127.0.0.1 (`owkms serve --webkms`): it reads bounded requests, lets the routes verify
// the capability invocation and call the KMS as caller `rest`, and answers JSON. A refused invocation (401/403) is
// audited in the KMS with its reason; errors carry a kind and a short message, never data or a stack.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KmsError } from '../../kms-process/api/index.js';
import type { ChannelClient } from '../../kms-process/client/channelClient.js';
import type { TlsIdentity } from './tlsIdentity.js';
import { WebKmsRoutes, type WebKmsState } from './webkmsRoutes.js';
import { AuthError, ZcapAuth } from './zcapAuth.js';

const MAX_BODY_BYTES = 64 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

const STATUS: Partial<Record<string, number>> = {
  INVALID_REQUEST: 400,
  UNSUPPORTED: 400,
  NOT_FOUND: 404,
  POLICY_DENIED: 403,
  APPROVAL_DENIED: 403,
  LOCKED: 503,
  NOT_INITIALIZED: 503,
  BUSY: 503,
  TIMEOUT: 503,
  UNAVAILABLE: 503,
  REMOTE_ERROR: 502,
};

export interface WebKmsService {
  url: string;
  port: number;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BODY_BYTES) {
        reject(new KmsError('INVALID_REQUEST', `the body is larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
      } else parts.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' }).end(text);
}

/** Load WebKMS's keystores, keys and revocations from the KMS (its only store). */
export async function loadState(kms: ChannelClient): Promise<WebKmsState> {
  const r = (await kms.callUnchecked('webkms.listKeystores', {}, { caller: 'rest' })) as {
    keystores: Array<{ id: string; controller: string; sequence: number }>;
    keys: Array<{ id: string; keystore: string; type: never }>;
    revocations: Array<{ zcapHash: string }>;
  };
  return {
    keystores: new Map(r.keystores.map((k) => [k.id, { controller: k.controller, sequence: k.sequence }])),
    keys: new Map(r.keys.map((k) => [k.id, { keystore: k.keystore, type: k.type }])),
    revoked: new Set(r.revocations.map((x) => x.zcapHash)),
  };
}

export async function startWebKms(options: { kms: ChannelClient; tls: TlsIdentity; port: number; admins: string[] }): Promise<WebKmsService> {
  const state = await loadState(options.kms);
  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const base = `https://127.0.0.1:${port}`;
  const ref: { routes?: WebKmsRoutes } = {};
  const auth = new ZcapAuth({
    hosts: [`127.0.0.1:${port}`, `localhost:${port}`],
    rootControllers: (target) => ref.routes?.rootControllers(target),
    isRevoked: (hash) => state.revoked.has(hash),
  });
  const routes = new WebKmsRoutes(base, options.kms, auth, state, options.admins);
  ref.routes = routes;
  server.requestTimeout = REQUEST_TIMEOUT_MS;

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      let operation = 'unknown';
      let keyId: string | undefined;
      try {
        const body = await readBody(req);
        const route = routes.route({ method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body });
        ({ operation, keyId } = route);
        const out = await route.run();
        send(res, out.status, out.body);
      } catch (e) {
        if (e instanceof AuthError) {
          const audit = { operation, outcome: e.refusal, ...(keyId ? { keyId } : {}) };
          await options.kms.callUnchecked('webkms.audit', audit, { caller: 'rest' }).catch(() => undefined);
          send(res, e.status, { name: e.status === 401 ? 'NotAuthenticatedError' : e.status === 403 ? 'NotAllowedError' : 'DataError', message: e.message });
        } else if (e instanceof KmsError) {
          send(res, STATUS[e.kind] ?? 500, { name: e.kind, message: STATUS[e.kind] ? e.message : 'the request failed' });
        } else {
          send(res, 500, { name: 'INTERNAL', message: 'the request failed' });
        }
      }
    })();
  });
  return {
    url: base,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
