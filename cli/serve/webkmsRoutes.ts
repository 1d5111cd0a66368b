// The WebKMS routes (webkms-client's URL layout): keystores, keys, key operations and revocations. Each route says
// which capability action it needs and at which root capability the chain must start; the KMS does the work as
// caller `rest` and audits it, and its key policy applies on top.
import { base58 } from '@scure/base';
import { fromB64u, KmsError, toB64u } from '../../kms-process/api/index.js';
import { controllerDid, WEBKMS_KEY_TYPES } from '../../kms-process/api/webkmsMethods.js';
import type { ChannelClient } from '../../kms-process/client/channelClient.js';
import { zcapHash, type ZcapAuth } from './zcapAuth.js';

type KeyType = (typeof WEBKMS_KEY_TYPES)[number];

export interface WebKmsState {
  keystores: Map<string, { controller: string; sequence: number }>;
  keys: Map<string, { keystore: string; type: KeyType }>;
  revoked: Set<string>;
}

export interface RouteRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RouteResponse {
  status: number;
  body: unknown;
}

const ROOT = 'urn:zcap:root:';
const rootId = (target: string) => `${ROOT}${encodeURIComponent(target)}`;
const MULTICODEC: Partial<Record<KeyType, number[]>> = { Ed25519VerificationKey2020: [0xed, 0x01], X25519KeyAgreementKey2020: [0xec, 0x01] };
const CONTEXT: Record<KeyType, string> = {
  Ed25519VerificationKey2020: 'https://w3id.org/security/suites/ed25519-2020/v1',
  X25519KeyAgreementKey2020: 'https://w3id.org/security/suites/x25519-2020/v1',
  AesKeyWrappingKey2019: 'https://w3id.org/webkms/v1',
  Sha256HmacKey2019: 'https://w3id.org/webkms/v1',
};
/** Operation type in the body -> capability action and what the refusal audit calls it. */
const OPERATIONS: Record<string, 'sign' | 'verify' | 'deriveSecret' | 'wrapKey' | 'unwrapKey'> = {
  SignOperation: 'sign',
  VerifyOperation: 'verify',
  DeriveSecretOperation: 'deriveSecret',
  WrapKeyOperation: 'wrapKey',
  UnwrapKeyOperation: 'unwrapKey',
};

function json(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new KmsError('INVALID_REQUEST', 'the body must be a JSON object');
}

function bytesField(o: Record<string, unknown>, name: string): string {
  const v = o[name];
  if (typeof v !== 'string' || !fromB64u(v)) throw new KmsError('INVALID_REQUEST', `${name} must be base64url`);
  return v;
}

function multibase(type: KeyType, raw: Buffer): string | undefined {
  const prefix = MULTICODEC[type];
  return prefix ? `z${base58.encode(Uint8Array.from([...prefix, ...raw]))}` : undefined;
}

export class WebKmsRoutes {
  constructor(
    private readonly base: string,
    private readonly kms: ChannelClient,
    private readonly auth: ZcapAuth,
    private readonly state: WebKmsState,
    /** Who may create keystores (--controller). */
    private readonly admins: string[],
  ) {}

  private call<T>(method: string, params: Record<string, unknown>): Promise<T> {
    return this.kms.callUnchecked(method as never, params, { caller: 'rest' }) as Promise<T>;
  }

  /** The controllers of a root capability this service knows, by its invocation target. */
  rootControllers(target: string): string[] | undefined {
    if (target === `${this.base}/kms/keystores`) return this.admins;
    const m = /\/kms\/keystores\/([A-Za-z0-9_-]+)(\/zcaps\/revocations\/.+)?$/.exec(target);
    if (!m || !target.startsWith(`${this.base}/kms/keystores/`)) return undefined;
    const ks = this.state.keystores.get(m[1]!);
    if (!ks) return undefined;
    if (!m[2]) return [ks.controller];
    return this.revokers.get(target) ?? [ks.controller];
  }

  /** Root controllers of a revocation URL while its request is being checked (keystore controller + delegators). */
  private readonly revokers = new Map<string, string[]>();

  private keyDescription(ks: string, id: string, type: KeyType, publicKey?: string): Record<string, unknown> {
    const controller = this.state.keystores.get(ks)!.controller;
    const raw = publicKey ? fromB64u(publicKey) : undefined;
    const mb = raw ? multibase(type, Buffer.from(raw)) : undefined;
    return { '@context': CONTEXT[type], id: `${this.base}/kms/keystores/${ks}/keys/${id}`, type, controller, ...(mb ? { publicKeyMultibase: mb } : {}) };
  }

  /** Route one request: the operation name (for the refusal audit), the key it names, and the handler. */
  route(req: RouteRequest): { operation: string; keyId?: string | undefined; run: () => Promise<RouteResponse> } {
    const url = `${this.base}${req.path}`;
    const parts = req.path.split('?')[0]!.split('/').filter(Boolean);
    const [kms, keystores, ks, sub, keyId, ...rest] = parts;
    if (kms !== 'kms' || keystores !== 'keystores') return { operation: 'unknown', run: async () => ({ status: 404, body: { message: 'not found' } }) };
    if (ks === undefined) {
      if (req.method !== 'POST') return { operation: 'createKeystore', run: async () => ({ status: 405, body: { message: 'method not allowed' } }) };
      return { operation: 'createKeystore', run: () => this.createKeystore(req, url) };
    }
    const keystore = this.state.keystores.get(ks);
    const ksUrl = `${this.base}/kms/keystores/${ks}`;
    const notFound = async (): Promise<RouteResponse> => ({ status: 404, body: { message: 'not found' } });
    if (!keystore) return { operation: 'unknown', run: notFound };
    const verify = (action: string, root: string | string[] = rootId(ksUrl)) =>
      this.auth.verify({ method: req.method, path: req.path, headers: req.headers, body: req.body, target: url, expectedAction: action, expectedRootCapability: root });

    if (sub === undefined && req.method === 'GET') {
      return { operation: 'getKeystore', run: async () => (await verify('read'), { status: 200, body: { id: ksUrl, ...keystore } }) };
    }
    if (sub === 'keys' && keyId === undefined && req.method === 'POST') {
      return { operation: 'generateKey', run: async () => (await verify('generateKey'), this.generateKey(ks, req)) };
    }
    if (sub === 'keys' && keyId !== undefined && rest.length === 0) {
      const key = this.state.keys.get(keyId);
      if (!key || key.keystore !== ks) return { operation: 'unknown', run: notFound };
      if (req.method === 'GET') {
        return {
          operation: 'getKey',
          keyId,
          run: async () => {
            await verify('read');
            const info = await this.call<{ publicKey?: { raw: string } }>('keys.get', { id: keyId });
            return { status: 200, body: this.keyDescription(ks, keyId, key.type, info.publicKey?.raw) };
          },
        };
      }
      const op = req.method === 'POST' ? OPERATIONS[String(json(req.body).type)] : undefined;
      if (!op) return { operation: 'unknown', keyId, run: async () => ({ status: 400, body: { message: 'unknown operation' } }) };
      return { operation: op, keyId, run: async () => (await verify(op), this.keyOperation(op, keyId, key.type, json(req.body), url)) };
    }
    if (sub === 'zcaps' && keyId === 'revocations' && rest.length === 1 && req.method === 'POST') {
      return { operation: 'revoke', run: () => this.revoke(ks, ksUrl, url, decodeURIComponent(rest[0]!), req, verify) };
    }
    return { operation: 'unknown', run: notFound };
  }

  private async createKeystore(req: RouteRequest, url: string): Promise<RouteResponse> {
    await this.auth.verify({ method: req.method, path: req.path, headers: req.headers, body: req.body, target: url, expectedAction: 'write', expectedRootCapability: rootId(url) });
    const config = json(req.body);
    const allowed = new Set(['sequence', 'controller', 'meterId', 'kmsModule', 'referenceId']);
    for (const k of Object.keys(config)) if (!allowed.has(k)) throw new KmsError('INVALID_REQUEST', `unknown keystore config field '${k.slice(0, 32)}'`);
    if (config.sequence !== undefined && config.sequence !== 0) throw new KmsError('INVALID_REQUEST', 'a new keystore has sequence 0');
    const controller = controllerDid.safeParse(config.controller);
    if (!controller.success) throw new KmsError('INVALID_REQUEST', 'controller must be a did:key');
    const made = await this.call<{ id: string; controller: string; sequence: number }>('webkms.createKeystore', { controller: controller.data });
    this.state.keystores.set(made.id, { controller: made.controller, sequence: made.sequence });
    return { status: 201, body: { id: `${url}/${made.id}`, controller: made.controller, sequence: made.sequence } };
  }

  private async generateKey(ks: string, req: RouteRequest): Promise<RouteResponse> {
    const op = json(req.body);
    const type = (op.invocationTarget as { type?: unknown } | undefined)?.type;
    if (op.type !== 'GenerateKeyOperation' || !(WEBKMS_KEY_TYPES as readonly unknown[]).includes(type)) {
      throw new KmsError('UNSUPPORTED', `key types: ${WEBKMS_KEY_TYPES.join(', ')}`);
    }
    const made = await this.call<{ id: string; type: KeyType; publicKey?: string }>('webkms.generateKey', { keystore: ks, type });
    this.state.keys.set(made.id, { keystore: ks, type: made.type });
    const keyDescription = this.keyDescription(ks, made.id, made.type, made.publicKey);
    return { status: 200, body: { keyId: keyDescription.id, keyDescription } };
  }

  private async keyOperation(op: string, keyId: string, type: KeyType, body: Record<string, unknown>, url: string): Promise<RouteResponse> {
    if (body.invocationTarget !== url) throw new KmsError('INVALID_REQUEST', 'invocationTarget must be the key URL');
    const hmac = type === 'Sha256HmacKey2019';
    switch (op) {
      case 'sign': {
        const data = bytesField(body, 'verifyData');
        const r = hmac ? await this.call<{ mac: string }>('crypto.mac', { id: keyId, data }) : await this.call<{ signature: string }>('crypto.sign', { id: keyId, data });
        return { status: 200, body: { signatureValue: 'mac' in r ? r.mac : r.signature } };
      }
      case 'verify': {
        const data = bytesField(body, 'verifyData');
        const sig = bytesField(body, 'signatureValue');
        const r = hmac ? await this.call<{ valid: boolean }>('crypto.macVerify', { id: keyId, data, mac: sig }) : await this.call<{ valid: boolean }>('crypto.verify', { id: keyId, data, signature: sig });
        return { status: 200, body: { verified: r.valid } };
      }
      case 'deriveSecret': {
        const pk = body.publicKey as { type?: unknown; publicKeyMultibase?: unknown } | undefined;
        if (pk?.type !== 'X25519KeyAgreementKey2020' || typeof pk.publicKeyMultibase !== 'string' || !pk.publicKeyMultibase.startsWith('z')) {
          throw new KmsError('INVALID_REQUEST', 'publicKey must be an X25519KeyAgreementKey2020 with publicKeyMultibase');
        }
        let raw: Uint8Array;
        try {
          raw = base58.decode(pk.publicKeyMultibase.slice(1));
        } catch {
          throw new KmsError('INVALID_REQUEST', 'publicKeyMultibase is not base58btc');
        }
        if (raw.length !== 34 || raw[0] !== 0xec || raw[1] !== 0x01) throw new KmsError('INVALID_REQUEST', 'not an X25519 public key');
        const r = await this.call<{ sharedSecret: string }>('crypto.agree', { id: keyId, peerPublicKey: toB64u(raw.subarray(2)), raw: true });
        return { status: 200, body: { secret: r.sharedSecret } };
      }
      case 'wrapKey': {
        const r = await this.call<{ wrappedKey: string }>('webkms.wrapKey', { id: keyId, unwrappedKey: bytesField(body, 'unwrappedKey') });
        return { status: 200, body: { wrappedKey: r.wrappedKey } };
      }
      default: {
        try {
          const r = await this.call<{ unwrappedKey: string }>('webkms.unwrapKey', { id: keyId, wrappedKey: bytesField(body, 'wrappedKey') });
          return { status: 200, body: { unwrappedKey: r.unwrappedKey } };
        } catch (e) {
          // Another key's wrapping (AES-KW's integrity check fails): null, as webkms-client expects.
          if (e instanceof KmsError && e.kind === 'INVALID_REQUEST') return { status: 200, body: { unwrappedKey: null } };
          throw e;
        }
      }
    }
  }

  private async revoke(ks: string, ksUrl: string, url: string, zcapId: string, req: RouteRequest, verify: (action: string, root?: string | string[]) => Promise<string>): Promise<RouteResponse> {
    const capability = json(req.body);
    if (capability.id !== zcapId) throw new KmsError('INVALID_REQUEST', 'the body must be the capability named in the URL');
    // Who may revoke: the keystore's controller, and whoever delegated in the revoked capability's own chain.
    const delegators = await this.auth.verifyDelegated(capability, rootId(ksUrl));
    this.revokers.set(url, [this.state.keystores.get(ks)!.controller, ...delegators]);
    try {
      await verify('write', [rootId(url), rootId(ksUrl)]);
    } finally {
      this.revokers.delete(url);
    }
    const expires = Date.parse(String(capability.expires ?? ''));
    if (!Number.isFinite(expires)) throw new KmsError('INVALID_REQUEST', 'the capability has no expiry');
    const hash = zcapHash(zcapId);
    if (this.state.revoked.has(hash)) return { status: 409, body: { message: 'already revoked' } };
    await this.call('webkms.revoke', { keystore: ks, zcapHash: hash, expires: Math.ceil(expires / 1000) });
    this.state.revoked.add(hash);
    return { status: 204, body: undefined };
  }
}
