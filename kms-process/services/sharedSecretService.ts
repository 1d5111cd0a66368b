// crypto.agree (ECDH, X25519) and crypto.encapsulate / crypto.decapsulate (ML-KEM): the shared secret becomes a
// stored key through HKDF-SHA256 by default; it is returned raw only to a key whose policy says allowRawAgreement.
import { hkdfSync } from 'node:crypto';
import { fromB64u, KmsError, toB64u, type AlgorithmId, type Jwk } from '../api/index.js';
import { derFor, isPem } from '../algorithms/keyInput.js';
import type { KmsContext } from '../kmsContext.js';
import type { KeyRecord } from '../keystore/keyTable.js';
import { inheritGuards } from '../policy/inheritance.js';
import { newKeyPolicy } from '../policy/keyPolicy.js';
import { assertMaterialRecipient, mayReceiveRawSecret } from '../policy/materialRecipients.js';
import { bytes, keyFor, opt } from './cryptoService.js';
import type { Call, HandlerTable } from './handler.js';
import { keyInfo } from './keyInfo.js';
import { newKeyId } from './keysService.js';

const SHARED_SECRET_PATH = 'shared-secret';

interface SecretUse {
  derive?: { algorithm?: AlgorithmId | undefined; salt?: string | undefined; info?: string | undefined; label?: string | undefined } | undefined;
  raw?: boolean | undefined;
}

/** Key lengths of the algorithms a shared secret may become. */
const DERIVED_BYTES: Partial<Record<AlgorithmId, number>> = {
  'aes-128': 16,
  'aes-256': 32,
  'hmac-sha256': 32,
  'hmac-sha384': 48,
  'hmac-sha512': 64,
  'chacha20-poly1305': 32,
  'xchacha20-poly1305': 32,
};

/** Store or return `shared` (zeroized here either way); the stored key inherits the guards of `parent`. */
function useSecret(ctx: KmsContext, shared: Uint8Array, use: SecretUse, parent: KeyRecord, call: Call) {
  try {
    if (use.raw) {
      if (!mayReceiveRawSecret(call.caller, parent)) assertMaterialRecipient(call.caller, 'a raw shared secret');
      if (parent.policy.allowRawAgreement !== true) throw new KmsError('POLICY_DENIED', "this key's policy does not allow returning a raw shared secret");
      return { sharedSecret: toB64u(shared) };
    }
    const algorithm = use.derive?.algorithm ?? 'aes-256';
    const length = DERIVED_BYTES[algorithm]!;
    const salt = opt(use.derive?.salt) ?? Buffer.alloc(0);
    const info = opt(use.derive?.info) ?? Buffer.from(`owkms/shared-secret/${algorithm}`);
    const secret = Buffer.from(hkdfSync('sha256', shared, salt, info, length));
    const spec = ctx.registry.get(algorithm);
    const id = newKeyId();
    const rec = {
      id,
      label: use.derive?.label ?? '',
      algorithm,
      provider: 'software',
      // The peer (or whoever made the KEM ciphertext) may know this secret: it never wraps keys, never exports,
      // and keeps the parent's approval and caller limits.
      policy: inheritGuards(parent.policy, newKeyPolicy(spec.operations, {}, SHARED_SECRET_PATH)),
      derivation: { parentId: parent.id, path: SHARED_SECRET_PATH },
      createdAt: Date.now(),
    };
    try {
      ctx.write(() => ctx.keystore.keys.insert(rec, secret), { caller: call.caller, method: call.method, keyId: id, outcome: 'ok' });
    } finally {
      secret.fill(0);
    }
    call.audited = true;
    call.keyId = id;
    return { key: keyInfo(ctx.registry, { ...rec, version: 1, hasSecret: true }) };
  } finally {
    shared.fill(0);
  }
}

/**
 * The peer's public key: raw bytes or a JWK as the algorithm reads them, or SPKI (DER, or PEM text) as OpenSSL and
 * most libraries write it, made raw here. No raw public key of these algorithms starts with a DER SEQUENCE byte
 * (0x30) and is longer than 32 bytes (an X25519 key is exactly 32, EC points start with 0x02-0x04).
 */
function peerKey(ctx: KmsContext, algorithm: AlgorithmId, v: string | Jwk): Uint8Array | Jwk {
  if (typeof v !== 'string') return v;
  const b = fromB64u(v);
  if (!b) throw new KmsError('INVALID_REQUEST', 'peerPublicKey is not base64url', { data: { path: 'peerPublicKey' } });
  if (!isPem(b) && !(b[0] === 0x30 && b.length > 32)) return b;
  const spec = ctx.registry.get(algorithm);
  if (!spec.importKey) throw new KmsError('UNSUPPORTED', `${algorithm} peer keys are raw or JWK`);
  const publicRaw = spec.importKey('spki', derFor('spki', b)).publicRaw;
  if (!publicRaw) throw new KmsError('INVALID_REQUEST', 'peerPublicKey holds no public key');
  return publicRaw;
}

export function sharedSecretHandlers(ctx: KmsContext): HandlerTable {
  return {
    'crypto.agree': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'agree', call.caller);
      const peer = peerKey(ctx, key.algorithm, p.peerPublicKey);
      let shared: Uint8Array;
      if (key.provider === 'software') {
        const { spec, handle } = ctx.software.privateHandle(key, 'agree');
        shared = spec.agree!(handle, peer);
      } else {
        if (!provider.agree) throw new KmsError('UNSUPPORTED', 'this provider cannot agree');
        if (!(peer instanceof Uint8Array)) throw new KmsError('INVALID_REQUEST', 'a token key takes the peer key as raw bytes');
        shared = await provider.agree(key, peer);
      }
      return useSecret(ctx, shared, p, ctx.keystore.keys.get(p.id), call);
    },

    'crypto.encapsulate': async (p, call) => {
      const { key } = await keyFor(ctx, p.id, 'encapsulate', call.caller);
      const { spec, handle } = ctx.software.publicHandle(key, 'encapsulate');
      const { sharedSecret, ciphertext } = spec.encapsulate!(handle);
      const out = useSecret(ctx, sharedSecret, p, ctx.keystore.keys.get(p.id), call);
      return { ...out, ciphertext: toB64u(ciphertext) };
    },

    'crypto.decapsulate': async (p, call) => {
      const { key } = await keyFor(ctx, p.id, 'decapsulate', call.caller);
      const { spec, handle } = ctx.software.privateHandle(key, 'decapsulate');
      const shared = spec.decapsulate!(handle, bytes(p.ciphertext));
      return useSecret(ctx, shared, p, ctx.keystore.keys.get(p.id), call);
    },
  };
}
