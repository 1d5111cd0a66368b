// remotes.* : add, list and remove the KMIP servers of `kmip:NAME` keys. Adding checks the certificates locally
// (the client certificate must match its key) and, unless told not to, connects and negotiates a version first.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { KmsError, type Result, type ValidParams } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import type { RemoteRecord } from '../keystore/remoteTable.js';
import { KmipClient } from '../providers/kmip/kmipClient.js';
import { DEFAULT_LIMITS } from '../providers/kmip/kmipPool.js';
import { remoteError } from '../providers/kmip/kmipProvider.js';
import { QUERY_FUNCTION } from '../providers/kmip/kmipTags.js';
import { recordRemoteEndpoints } from '../sandbox/sandboxNeeds.js';
import type { HandlerTable } from './handler.js';

type Probe = NonNullable<Result<'remotes.add'>['probe']>;

function certificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new KmsError('INVALID_REQUEST', `${what} is not an X.509 certificate`, { cause: e, data: { path: what } });
  }
}

function describe(r: RemoteRecord): Omit<Result<'remotes.add'>, 'probe'> {
  const cert = certificate(r.cert, 'cert');
  return {
    name: r.name,
    host: r.host,
    port: r.port,
    ...(r.options.maxVersion ? { maxVersion: r.options.maxVersion } : {}),
    ...(r.options.timeoutMs ? { timeoutMs: r.options.timeoutMs } : {}),
    createdAt: new Date(r.createdAt).toISOString(),
    clientCertificate: { subject: cert.subject, issuer: cert.issuer, validTo: cert.validTo, fingerprint256: cert.fingerprint256 },
  };
}

/** Connect, negotiate a version and ask the server who it is; a failure is reported, not thrown. */
async function probe(client: KmipClient, name: string): Promise<Probe> {
  try {
    const v = await client.version();
    const q = await client.query([QUERY_FUNCTION.ServerInformation]).catch(() => undefined);
    return { reachable: true, version: `${v.major}.${v.minor}`, ...(q?.vendor ? { vendor: q.vendor } : {}) };
  } catch (e) {
    return { reachable: false, error: remoteError(name, e).message };
  }
}

function checkAdd(p: ValidParams<'remotes.add'>): void {
  for (const pem of [p.ca]) certificate(pem, 'ca');
  const cert = certificate(p.cert, 'cert');
  let key;
  try {
    key = createPrivateKey(p.key);
  } catch (e) {
    throw new KmsError('INVALID_REQUEST', 'key is not a private key in PEM', { cause: e, data: { path: 'key' } });
  }
  if (!cert.checkPrivateKey(key)) throw new KmsError('INVALID_REQUEST', 'cert and key do not belong together', { data: { path: 'key' } });
}

export function remotesHandlers(ctx: KmsContext): HandlerTable {
  return {
    'remotes.add': async (p, call) => {
      ctx.keystore.assertUnlocked();
      checkAdd(p);
      const [major, minor] = (p.maxVersion ?? '').split('.').map(Number);
      const record: RemoteRecord = {
        name: p.name,
        host: p.host,
        port: p.port,
        ca: p.ca,
        cert: p.cert,
        options: { maxVersion: p.maxVersion, timeoutMs: p.timeoutMs },
        createdAt: Date.now(),
      };
      let checked: Probe | undefined;
      if (p.check !== false) {
        const client = new KmipClient(
          { host: p.host, port: p.port, ca: p.ca, cert: p.cert, key: p.key },
          {
            maxVersion: p.maxVersion ? { major: major!, minor: minor! } : undefined,
            limits: { ...DEFAULT_LIMITS, maxConnections: 1, requestMs: p.timeoutMs ?? DEFAULT_LIMITS.requestMs },
          },
        );
        try {
          checked = await probe(client, p.name);
        } finally {
          client.close();
        }
        if (!checked.reachable) throw new KmsError('REMOTE_ERROR', checked.error ?? `KMIP server '${p.name}' could not be reached`);
      }
      ctx.write(() => ctx.keystore.remotes.insert(record, p.key), { caller: call.caller, method: call.method, outcome: 'ok' });
      call.audited = true;
      ctx.kmip.forget(p.name);
      // The sandbox is fixed at start: the next KMS start reads the endpoints from the store's sandbox.json.
      recordRemoteEndpoints(ctx.options.storeDir, ctx.keystore.remotes.endpoints());
      return { ...describe(record), ...(checked ? { probe: checked } : {}) };
    },

    'remotes.list': async (p) => {
      const remotes = ctx.keystore.remotes.list();
      const probes = p.probe ? await Promise.all(remotes.map((r) => probe(ctx.kmip.client(r.name), r.name))) : [];
      return { remotes: remotes.map((r, i) => ({ ...describe(r), ...(probes[i] ? { probe: probes[i] } : {}) })) };
    },

    'remotes.remove': async (p, call) => {
      ctx.keystore.assertUnlocked();
      const using = ctx.keystore.remotes.keysUsing(p.name);
      if (using > 0) throw new KmsError('INVALID_REQUEST', `${using} key(s) live on remote '${p.name}': delete them first`);
      ctx.write(() => ctx.keystore.remotes.delete(p.name), { caller: call.caller, method: call.method, outcome: 'ok' });
      call.audited = true;
      ctx.kmip.forget(p.name);
      recordRemoteEndpoints(ctx.options.storeDir, ctx.keystore.remotes.endpoints());
      return { name: p.name, removed: true as const };
    },
  };
}
