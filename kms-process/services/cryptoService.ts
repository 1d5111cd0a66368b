// crypto.* : operations with a stored key, routed to the key's provider after the key's own policy allows them.
import { randomBytes } from 'node:crypto';
import { fromB64u, KmsError, toB64u, type Caller, type Operation } from '../api/index.js';
import type { KeyRecord } from '../keystore/keyTable.js';
import type { KmsContext } from '../kmsContext.js';
import { authorizeKeyUse } from '../policy/keyPolicy.js';
import type { KeyProvider, StoredKeyRef } from '../providers/provider.js';
import type { HandlerTable } from './handler.js';
import { defaultJwsAlg, jwsCompact, jwsPlan, jwsSigningInput } from '../algorithms/jws.js';

/** Decode a base64url field already checked by the schema (the schema's regex makes this total). */
export function bytes(text: string): Buffer {
  return fromB64u(text) ?? Buffer.alloc(0);
}

export function opt(text: string | undefined): Buffer | undefined {
  return text === undefined ? undefined : bytes(text);
}

export function keyRef(rec: KeyRecord): StoredKeyRef {
  return { id: rec.id, algorithm: rec.algorithm, provider: rec.provider, publicRaw: rec.publicRaw, ref: rec.ref, version: rec.version };
}

/** The key, checked against its policy for `op` by `caller`, and the provider that can do `op` with it. */
export async function keyFor(ctx: KmsContext, id: string, op: Operation, caller: Caller): Promise<{ key: StoredKeyRef; provider: KeyProvider }> {
  const rec = ctx.keystore.keys.get(id);
  authorizeKeyUse(rec, op, caller);
  const provider = await ctx.provider(rec.provider);
  if (!provider.supports(rec.algorithm, op)) throw new KmsError('UNSUPPORTED', `'${op}' is not available for ${rec.algorithm} keys`);
  return { key: keyRef(rec), provider };
}

function need<T>(fn: T | undefined, op: string): T {
  if (!fn) throw new KmsError('UNSUPPORTED', `this provider cannot ${op}`);
  return fn;
}

function signInput<T extends { data: string; context?: string | undefined }>(p: T) {
  return { ...p, data: bytes(p.data), context: opt(p.context) };
}

export function cryptoHandlers(ctx: KmsContext): HandlerTable {
  return {
    'crypto.sign': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'sign', call.caller);
      const sig = await need(provider.sign, 'sign').call(provider, key, signInput(p));
      return { signature: toB64u(sig) };
    },
    'crypto.verify': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'verify', call.caller);
      const valid = await need(provider.verify, 'verify').call(provider, key, { ...signInput(p), signature: bytes(p.signature) });
      return { valid };
    },
    'crypto.signJws': async (p, call) => {
      // A key that makes no JWS (x25519, aes-256, p224, ...) is told so by name, before its policy is asked to sign.
      const header = { ...(p.header ?? {}) };
      const algorithm = ctx.keystore.keys.get(p.id).algorithm;
      header.alg ??= defaultJwsAlg(algorithm);
      const plan = jwsPlan(String(header.alg), algorithm);
      const { key, provider } = await keyFor(ctx, p.id, 'sign', call.caller);
      const input = jwsSigningInput(header, bytes(p.payload));
      const sig = await need(provider.sign, 'sign').call(provider, key, { data: input, ...plan.options });
      return { jws: jwsCompact(input, sig) };
    },
    'crypto.encrypt': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'encrypt', call.caller);
      const out = await need(provider.encrypt, 'encrypt').call(provider, key, { data: bytes(p.data), mode: p.mode, iv: opt(p.iv), aad: opt(p.aad) });
      const versioned = ctx.registry.get(key.algorithm).type === 'symmetric' && key.provider === 'software';
      return {
        ciphertext: toB64u(out.ciphertext),
        mode: out.mode as never,
        ...(out.iv ? { iv: toB64u(out.iv) } : {}),
        ...(out.tag ? { tag: toB64u(out.tag) } : {}),
        // The version that made this ciphertext, so it still decrypts after the key rotates.
        ...(versioned ? { version: key.version ?? 1 } : {}),
      };
    },
    'crypto.decrypt': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'decrypt', call.caller);
      const input = { data: bytes(p.data), mode: p.mode, iv: opt(p.iv), tag: opt(p.tag), aad: opt(p.aad), version: p.version };
      if (p.version !== undefined && key.provider !== 'software') throw new KmsError('UNSUPPORTED', 'only software keys have versions');
      const plaintext = await need(provider.decrypt, 'decrypt').call(provider, key, input);
      return { plaintext: toB64u(plaintext) };
    },
    'crypto.mac': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'mac', call.caller);
      return { mac: toB64u(await need(provider.mac, 'mac').call(provider, key, bytes(p.data))) };
    },
    'crypto.macVerify': async (p, call) => {
      const { key, provider } = await keyFor(ctx, p.id, 'macVerify', call.caller);
      return { valid: await need(provider.macVerify, 'verify a mac').call(provider, key, bytes(p.data), bytes(p.mac)) };
    },
    'crypto.random': async (p) => ({ bytes: toB64u(randomBytes(p.length)) }),
  };
}

