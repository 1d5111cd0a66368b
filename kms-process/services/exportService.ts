// keys.export, crypto.wrapKey and crypto.unwrapKey: how key material leaves or enters the keystore. Public parts
// always; private parts in clear only when the key is exportable and the caller confirmed (CLI, trusted prompt);
// wrapped under another keystore key always, so a key can move between keystores without ever being in clear.
import { KmsError, toB64u, type Caller } from '../api/index.js';
import { inheritGuards } from '../policy/inheritance.js';
import { assertMaterialRecipient } from '../policy/materialRecipients.js';
import type { KeyRecord } from '../keystore/keyTable.js';
import type { KmsContext } from '../kmsContext.js';
import { newKeyPolicy } from '../policy/keyPolicy.js';
import { bytes, keyFor } from './cryptoService.js';
import type { Call, HandlerTable } from './handler.js';
import { keyInfo } from './keyInfo.js';
import { newKeyId } from './keysService.js';

function admits(rec: KeyRecord, caller: Caller): void {
  if (rec.policy.callers && !rec.policy.callers.includes(caller)) {
    throw new KmsError('POLICY_DENIED', `this key does not admit caller '${caller}'`);
  }
}

/** The secret of a software key, for wrapping or an allowed export; the caller zeroizes it. */
function secretOf(ctx: KmsContext, rec: KeyRecord): Buffer {
  if (rec.provider !== 'software') throw new KmsError('POLICY_DENIED', 'a key on a token never leaves it');
  if (!rec.hasSecret) throw new KmsError('UNSUPPORTED', 'this key has no private part here');
  return ctx.keystore.keys.secret(rec.id);
}

async function wrap(ctx: KmsContext, wrappingId: string, rec: KeyRecord, mode: string | undefined, call: Call): Promise<string> {
  // Wrapping hands this key's secret out (encrypted, but to a key the caller may know): never for `ui` or `rest`.
  assertMaterialRecipient(call.caller, 'wrapping a key');
  const { key, provider } = await keyFor(ctx, wrappingId, 'wrap', call.caller);
  if (!provider.wrapKey) throw new KmsError('UNSUPPORTED', 'this key cannot wrap');
  const secret = secretOf(ctx, rec);
  try {
    return toB64u(await provider.wrapKey(key, secret, mode));
  } finally {
    secret.fill(0);
  }
}

export function exportHandlers(ctx: KmsContext): HandlerTable {
  return {
    'keys.export': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.id);
      admits(rec, call.caller);
      if (p.wrapWith) {
        assertMaterialRecipient(call.caller, 'a wrapped export');
        if (p.format !== 'raw') throw new KmsError('INVALID_REQUEST', "a wrapped export carries the key's raw secret: use format 'raw'");
        return { format: 'raw' as const, data: await wrap(ctx, p.wrapWith, rec, p.mode, call), wrappedWith: p.wrapWith };
      }
      const spec = ctx.registry.get(rec.algorithm);
      if (!p.private) {
        if (!rec.publicRaw || !spec.exportKey || p.format === 'mnemonic') throw new KmsError('UNSUPPORTED', 'this key has no public part to export');
        const out = spec.exportKey(p.format, { publicRaw: rec.publicRaw }, false);
        return out instanceof Uint8Array ? { format: p.format, data: toB64u(out) } : { format: p.format, jwk: out };
      }
      // Private material never goes to the renderer, whatever the key's policy (main's trusted flows export as `app`).
      assertMaterialRecipient(call.caller, p.format === 'mnemonic' ? 'a mnemonic export' : 'a private export');
      if (!rec.policy.exportable) throw new KmsError('POLICY_DENIED', 'this key is not exportable');
      // spki, and raw for an asymmetric key, are public forms: answering a private export with them would hand out
      // the public key where the caller asked for (and may file away as) the private one.
      if (p.format === 'spki' || (p.format === 'raw' && spec.type === 'asymmetric')) {
        throw new KmsError('UNSUPPORTED', `'${p.format}' is a public form of a ${rec.algorithm} key; a private export is 'jwk' or 'pkcs8'`);
      }
      const secret = secretOf(ctx, rec);
      try {
        if (p.format === 'mnemonic') {
          if (!spec.exportMnemonic) throw new KmsError('UNSUPPORTED', 'only hd-seed keys have a mnemonic');
          return { format: 'mnemonic' as const, mnemonic: spec.exportMnemonic({ secret, publicRaw: rec.publicRaw }) };
        }
        if (!spec.exportKey) throw new KmsError('UNSUPPORTED', `algorithm '${rec.algorithm}' cannot export keys`);
        const out = spec.exportKey(p.format, { secret, publicRaw: rec.publicRaw }, true);
        return out instanceof Uint8Array ? { format: p.format, data: toB64u(out) } : { format: p.format, jwk: out };
      } finally {
        secret.fill(0);
      }
    },

    'crypto.wrapKey': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.keyId);
      admits(rec, call.caller);
      return { wrapped: await wrap(ctx, p.id, rec, p.mode, call), algorithm: rec.algorithm };
    },

    'crypto.unwrapKey': async (p, call) => {
      // Unwrapping plants key material chosen by whoever made the wrapped bytes: an import, never for `ui`.
      assertMaterialRecipient(call.caller, 'unwrapping a key');
      const { key, provider } = await keyFor(ctx, p.id, 'unwrap', call.caller);
      if (!provider.unwrapKey) throw new KmsError('UNSUPPORTED', 'this key cannot unwrap');
      const spec = ctx.registry.get(p.algorithm);
      const secret = Buffer.from(await provider.unwrapKey(key, bytes(p.wrapped), p.mode));
      let material;
      try {
        // The unwrapped bytes are the algorithm's own secret encoding; loading them checks they make a key.
        material = { secret, publicRaw: spec.loadPublic || spec.type === 'asymmetric' ? publicOf(spec, secret) : undefined };
        spec.loadPrivate(material);
      } catch (e) {
        secret.fill(0);
        // loadPrivate calls material it cannot load CORRUPT (it expects the keystore's own records), but these bytes
        // came from the caller: a wrong length or form for the named algorithm is the request's fault.
        if (e instanceof KmsError && e.kind !== 'CORRUPT') throw e;
        throw new KmsError('INVALID_REQUEST', `the unwrapped bytes are not a ${p.algorithm} key`);
      }
      // A key that came in wrapped leaves only wrapped: it may have been non-exportable where it was wrapped (even in
      // this keystore), and unwrapping must not launder that into a key that exports in clear.
      if (p.exportable) throw new KmsError('POLICY_DENIED', 'an unwrapped key is never exportable in clear (it can still be wrapped)');
      // No looser than the key that unwrapped it: its approval and caller limits carry over.
      const policy = inheritGuards(ctx.keystore.keys.get(p.id).policy, newKeyPolicy(spec.operations, { ...p, exportable: false }));
      const id = newKeyId();
      const rec = {
        id,
        label: p.label ?? '',
        algorithm: p.algorithm,
        provider: 'software',
        policy,
        publicRaw: material.publicRaw,
        derivation: { parentId: p.id, path: 'unwrapped' },
        createdAt: Date.now(),
      };
      try {
        ctx.write(() => ctx.keystore.keys.insert(rec, secret), { caller: call.caller, method: call.method, keyId: id, outcome: 'ok' });
      } finally {
        secret.fill(0);
      }
      call.audited = true;
      call.keyId = id;
      return keyInfo(ctx.registry, { ...rec, version: 1, hasSecret: true });
    },
  };
}

/** The public part of a secret in the algorithm's own encoding, through its pkcs8/raw import. */
function publicOf(spec: ReturnType<KmsContext['registry']['get']>, secret: Uint8Array): Uint8Array | undefined {
  const jwk = spec.exportKey?.('jwk', { secret }, true);
  if (!jwk || jwk instanceof Uint8Array) return undefined;
  return spec.importKey?.('jwk', jwk).publicRaw;
}
