// webkms.* : WebKMS keystores, keys and revocations as ordinary keystore keys (so they share the keystore's
// encryption, row MACs, key-set binding and audit), their role written in the MACed label and their policy admitting
// `rest` only. Wrap and unwrap here act on the caller's own bytes, with key-encryption keys WebKMS itself made.
import { KmsError, toB64u, type AlgorithmId, type Operation, type Result } from '../api/index.js';
import { WEBKMS_KEY_TYPES } from '../api/webkmsMethods.js';
import type { KeyRecord } from '../keystore/keyTable.js';
import type { KmsContext } from '../kmsContext.js';
import { authorizeKeyUse } from '../policy/keyPolicy.js';
import { bytes, keyRef } from './cryptoService.js';
import type { Call, HandlerTable } from './handler.js';
import { newKeyId } from './keysService.js';

type WebKmsKeyType = (typeof WEBKMS_KEY_TYPES)[number];

const KEY_TYPES: Record<WebKmsKeyType, { algorithm: AlgorithmId; purposes: Operation[]; allowRawAgreement?: boolean }> = {
  Ed25519VerificationKey2020: { algorithm: 'ed25519', purposes: ['sign', 'verify'] },
  // WebKMS's DeriveSecret returns the raw X25519 secret to the caller (the client derives its own keys from it).
  X25519KeyAgreementKey2020: { algorithm: 'x25519', purposes: ['agree'], allowRawAgreement: true },
  AesKeyWrappingKey2019: { algorithm: 'aes-256', purposes: ['wrap', 'unwrap'] },
  Sha256HmacKey2019: { algorithm: 'hmac-sha256', purposes: ['mac', 'macVerify'] },
};

const PREFIX = { keystore: 'webkms:keystore:', key: 'webkms:key:', revoked: 'webkms:revoked:' } as const;

/** A key WebKMS made: its policy admits `rest` and nothing else. */
function restOnly(rec: KeyRecord): boolean {
  return rec.policy.callers?.length === 1 && rec.policy.callers[0] === 'rest';
}

function keystoreOf(rec: KeyRecord): { controller: string; sequence: number } | undefined {
  if (!restOnly(rec) || !rec.label.startsWith(PREFIX.keystore)) return undefined;
  try {
    const v = JSON.parse(rec.label.slice(PREFIX.keystore.length)) as { controller?: unknown; sequence?: unknown };
    return typeof v.controller === 'string' && typeof v.sequence === 'number' ? { controller: v.controller, sequence: v.sequence } : undefined;
  } catch {
    return undefined;
  }
}

function webkmsKeyOf(rec: KeyRecord): { keystore: string; type: WebKmsKeyType } | undefined {
  if (!restOnly(rec) || !rec.label.startsWith(PREFIX.key)) return undefined;
  const [keystore, type] = rec.label.slice(PREFIX.key.length).split(':');
  if (!keystore || !(WEBKMS_KEY_TYPES as readonly string[]).includes(type ?? '')) return undefined;
  if (KEY_TYPES[type as WebKmsKeyType].algorithm !== rec.algorithm) return undefined;
  return { keystore, type: type as WebKmsKeyType };
}

export function webkmsHandlers(ctx: KmsContext): HandlerTable {
  /** A new software key admitting `rest` only; `secret` is zeroized here. */
  const store = (algorithm: AlgorithmId, label: string, purposes: Operation[], call: Call, allowRawAgreement = false) => {
    const material = ctx.registry.get(algorithm).generate();
    const id = newKeyId();
    const rec = {
      id,
      label,
      algorithm,
      provider: 'software',
      policy: { purposes, exportable: false, requiresApproval: false, callers: ['rest' as const], ...(allowRawAgreement ? { allowRawAgreement } : {}) },
      publicRaw: material.publicRaw,
      createdAt: Date.now(),
    };
    try {
      ctx.write(() => ctx.keystore.keys.insert(rec, material.secret), { caller: call.caller, method: call.method, keyId: id, outcome: 'ok' });
    } finally {
      material.secret?.fill(0);
    }
    call.audited = true;
    call.keyId = id;
    return { id, publicRaw: material.publicRaw };
  };

  const kek = (id: string, op: 'wrap' | 'unwrap', call: Call) => {
    const rec = ctx.keystore.keys.get(id);
    if (webkmsKeyOf(rec)?.type !== 'AesKeyWrappingKey2019') throw new KmsError('POLICY_DENIED', 'only a key-encryption key WebKMS made wraps and unwraps for WebKMS');
    authorizeKeyUse(rec, op, call.caller);
    return keyRef(rec);
  };

  return {
    'webkms.createKeystore': async (p, call) => {
      ctx.keystore.assertUnlocked();
      const sequence = p.sequence ?? 0;
      const label = `${PREFIX.keystore}${JSON.stringify({ controller: p.controller, sequence })}`;
      const { id } = store('hmac-sha256', label, [], call);
      return { id, controller: p.controller, sequence };
    },

    'webkms.listKeystores': async () => {
      const out: Result<'webkms.listKeystores'> = { keystores: [], keys: [], revocations: [] };
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const { records, last } = ctx.keystore.keys.page(cursor === undefined ? 0 : Number(cursor), 1000);
        for (const rec of records) {
          const ks = keystoreOf(rec);
          if (ks) out.keystores.push({ id: rec.id, ...ks });
          const key = webkmsKeyOf(rec);
          if (key) out.keys.push({ id: rec.id, ...key });
          if (restOnly(rec) && rec.label.startsWith(PREFIX.revoked)) {
            const [keystore, zcapHash, expires] = rec.label.slice(PREFIX.revoked.length).split(':');
            if (keystore && zcapHash && expires) out.revocations.push({ keystore, zcapHash, expires: Number(expires) });
          }
        }
        cursor = last === undefined ? undefined : String(last);
      }
      return out;
    },

    'webkms.generateKey': async (p, call) => {
      if (!keystoreOf(ctx.keystore.keys.get(p.keystore))) throw new KmsError('NOT_FOUND', 'no WebKMS keystore with that id');
      const t = KEY_TYPES[p.type];
      const { id, publicRaw } = store(t.algorithm, `${PREFIX.key}${p.keystore}:${p.type}`, t.purposes, call, t.allowRawAgreement);
      return { id, type: p.type, ...(publicRaw && t.algorithm !== 'aes-256' && t.algorithm !== 'hmac-sha256' ? { publicKey: toB64u(publicRaw) } : {}) };
    },

    'webkms.wrapKey': async (p, call) => {
      const key = kek(p.id, 'wrap', call);
      const material = bytes(p.unwrappedKey);
      if (material.length < 16 || material.length % 8 !== 0) throw new KmsError('INVALID_REQUEST', 'AES-KW wraps 16 or more bytes, a multiple of 8');
      try {
        return { wrappedKey: toB64u(await ctx.software.wrapKey(key, material, 'kw')) };
      } finally {
        material.fill(0);
      }
    },

    'webkms.unwrapKey': async (p, call) => {
      const key = kek(p.id, 'unwrap', call);
      const out = await ctx.software.unwrapKey(key, bytes(p.wrappedKey), 'kw');
      try {
        return { unwrappedKey: toB64u(out) };
      } finally {
        out.fill(0);
      }
    },

    'webkms.revoke': async (p, call) => {
      if (!keystoreOf(ctx.keystore.keys.get(p.keystore))) throw new KmsError('NOT_FOUND', 'no WebKMS keystore with that id');
      store('hmac-sha256', `${PREFIX.revoked}${p.keystore}:${p.zcapHash}:${p.expires}`, [], call);
      return { revoked: true as const };
    },

    'webkms.audit': async (p, call) => {
      ctx.audit.push({ caller: call.caller, method: `webkms.${p.operation}`, keyId: p.keyId, outcome: p.outcome });
      call.audited = true;
      return { recorded: true as const };
    },
  };
}

