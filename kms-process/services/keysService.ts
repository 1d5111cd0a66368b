// keys.* : generate, import, list, get, update, delete and export keys.
import { randomBytes } from 'node:crypto';
import { fromB64u, KmsError, type AlgorithmId, type Jwk, type Operation } from '../api/index.js';
import type { ImportFormat, KeyMaterial } from '../algorithms/algorithm.js';
import { algorithmOfDer, derFor } from '../algorithms/keyInput.js';
import { algorithmForJwk } from '../algorithms/jwkAlgorithm.js';
import type { KeyRecord } from '../keystore/keyTable.js';
import type { KmsContext } from '../kmsContext.js';
import { assertDeletable } from '../policy/keyDeletion.js';
import { authorizeKeyAdmin, keyVisibleTo, newKeyPolicy } from '../policy/keyPolicy.js';
import { assertRightsChange } from '../policy/rightsChange.js';
import { effectivePurposes } from '../policy/usageSeparation.js';
import type { Call, HandlerTable } from './handler.js';
import type { KeyProvider } from '../providers/provider.js';
import { keyInfo } from './keyInfo.js';

/** Operations a key can still do with only its public part (a KEM encapsulates to a public key). */
const PUBLIC_OPERATIONS: readonly Operation[] = ['verify', 'encrypt', 'wrap', 'encapsulate'];

/** 128 random bits, base64url; never starting with '-' or '_' so an id is never taken for a command-line option. */
export function newKeyId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (id[0] !== '-' && id[0] !== '_') return id;
  }
}

/**
 * What an import of key bytes or a JWK reads: PEM made DER, `raw` with `private` made 'raw-private', and the
 * algorithm from the JWK or the DER when the request names none.
 */
function importInput(p: { format: 'jwk' | 'pkcs8' | 'spki' | 'raw'; data: unknown; algorithm?: AlgorithmId | undefined; private?: boolean | undefined }) {
  if (p.format === 'jwk') {
    const algorithm = p.algorithm ?? algorithmForJwk(p.data as Jwk);
    if (!algorithm) throw new KmsError('INVALID_REQUEST', 'importing this JWK needs an algorithm (its kty and crv do not name one)');
    return { format: 'jwk' as ImportFormat, data: p.data as Jwk, algorithm };
  }
  const bytes = fromB64u(p.data as string);
  if (!bytes) throw new KmsError('INVALID_REQUEST', 'data is not base64url');
  if (p.private !== undefined && p.format !== 'raw' && p.private !== (p.format === 'pkcs8')) {
    throw new KmsError('INVALID_REQUEST', `${p.format} is always a ${p.format === 'pkcs8' ? 'private' : 'public'} key; 'private' is for raw keys`);
  }
  if (p.format === 'raw') {
    if (!p.algorithm) throw new KmsError('INVALID_REQUEST', 'importing a raw key needs its algorithm: raw bytes do not say which they are');
    return { format: (p.private ? 'raw-private' : 'raw') as ImportFormat, data: bytes, algorithm: p.algorithm };
  }
  const der = derFor(p.format, bytes);
  if (der !== bytes) bytes.fill(0);
  const algorithm = p.algorithm ?? algorithmOfDer(p.format, der);
  if (!algorithm) throw new KmsError('INVALID_REQUEST', `importing this ${p.format} key needs its algorithm (the key's type is not one this KMS reads by itself)`);
  return { format: p.format as ImportFormat, data: der, algorithm };
}

function zeroize(m: KeyMaterial): void {
  if (m.secret instanceof Uint8Array) m.secret.fill(0);
}

export function keysHandlers(ctx: KmsContext): HandlerTable {
  const store = (material: KeyMaterial, rec: Omit<KeyRecord, 'hasSecret' | 'id' | 'createdAt' | 'version'>, call: Call, id = newKeyId()) => {
    const full = { ...rec, id, createdAt: Date.now() };
    try {
      ctx.write(() => ctx.keystore.keys.insert(full, material.secret), { caller: call.caller, method: call.method, keyId: id, outcome: 'ok' });
    } finally {
      zeroize(material);
    }
    call.audited = true;
    call.keyId = id;
    return keyInfo(ctx.registry, { ...full, version: 1, hasSecret: material.secret !== undefined });
  };

  /** Operations a token key may do: what the algorithm can do and the provider offers. */
  const externalPolicy = (providerObj: KeyProvider, algorithm: AlgorithmId, flags: Parameters<typeof newKeyPolicy>[1]) => {
    const ops = ctx.registry.get(algorithm).operations.filter((o) => providerObj.supports(algorithm, o));
    return newKeyPolicy(ops, { ...flags, exportable: false }); // a token key never leaves its token
  };

  const generateExternal = async (provider: string, p: { algorithm: AlgorithmId; label?: string | undefined } & Parameters<typeof newKeyPolicy>[1], call: Call) => {
    const ext = await ctx.externalProvider(provider);
    if (!ext.supports(p.algorithm, 'generate')) throw new KmsError('UNSUPPORTED', `${provider} cannot make ${p.algorithm} keys`);
    const policy = externalPolicy(ext, p.algorithm, p);
    const id = newKeyId();
    const made = await ext.generate(provider.slice(provider.indexOf(':') + 1), p.algorithm, { label: p.label ?? '', id });
    return store({}, { label: p.label ?? '', algorithm: p.algorithm, provider, policy, publicRaw: made.publicRaw, ref: made.ref }, call, id);
  };

  const adoptExternal = async (p: { provider: string; locator: string; label?: string | undefined } & Parameters<typeof newKeyPolicy>[1], call: Call) => {
    const ext = await ctx.externalProvider(p.provider);
    if (!ext.adopt) throw new KmsError('UNSUPPORTED', `${p.provider} cannot adopt keys`);
    const found = await ext.adopt(p.provider.slice(p.provider.indexOf(':') + 1), p.locator.toLowerCase());
    const policy = externalPolicy(ext, found.algorithm, p);
    return store({}, { label: p.label ?? '', algorithm: found.algorithm, provider: p.provider, policy, publicRaw: found.publicRaw, ref: found.ref }, call);
  };

  return {
    'keys.generate': async (p, call) => {
      const provider = p.provider ?? 'software';
      ctx.keystore.assertUnlocked(); // LOCKED / NOT_INITIALIZED before any work
      const spec = ctx.registry.get(p.algorithm);
      if (provider !== 'software') return generateExternal(provider, p, call);
      const policy = newKeyPolicy(spec.operations, p);
      if (p.bip39Passphrase !== undefined && call.caller === 'ui') {
        throw new KmsError('POLICY_DENIED', 'a BIP39 passphrase comes from a trusted prompt, not the renderer');
      }
      if ((p.words !== undefined || p.bip39Passphrase !== undefined) && spec.type !== 'seed') {
        throw new KmsError('INVALID_REQUEST', 'words and bip39Passphrase are for hd-seed keys');
      }
      const material = spec.generate({ words: p.words, bip39Passphrase: p.bip39Passphrase });
      return store(material, { label: p.label ?? '', algorithm: p.algorithm, provider, policy, publicRaw: material.publicRaw }, call);
    },

    'keys.import': async (p, call) => {
      ctx.keystore.assertUnlocked();
      if (p.format === 'token') return adoptExternal(p, call);
      if (p.format === 'mnemonic') {
        const seed = ctx.registry.get('hd-seed');
        const material = seed.fromMnemonic!(p.data, p.bip39Passphrase);
        const policy = newKeyPolicy(seed.operations, p);
        return store(material, { label: p.label ?? '', algorithm: 'hd-seed', provider: 'software', policy, publicRaw: material.publicRaw }, call);
      }
      const { format, data, algorithm } = importInput(p);
      const spec = ctx.registry.get(algorithm);
      if (!spec.importKey) throw new KmsError('UNSUPPORTED', `algorithm '${algorithm}' cannot import keys`);
      let material;
      try {
        material = spec.importKey(format, data);
      } finally {
        if (data instanceof Uint8Array) data.fill(0); // what was imported is copied into the material
      }
      const supported = material.secret ? spec.operations : spec.operations.filter((o) => PUBLIC_OPERATIONS.includes(o));
      if (supported.length === 0) throw new KmsError('UNSUPPORTED', 'a public-only key of this algorithm can do nothing');
      let policy;
      try {
        policy = newKeyPolicy(supported, p);
      } catch (e) {
        zeroize(material);
        throw e;
      }
      return store(material, { label: p.label ?? '', algorithm, provider: 'software', policy, publicRaw: material.publicRaw }, call);
    },

    'keys.list': async (p, call) => {
      const after = p.cursor === undefined ? 0 : Number(p.cursor);
      if (!Number.isSafeInteger(after) || after < 0) throw new KmsError('INVALID_REQUEST', 'malformed cursor', { data: { path: 'cursor' } });
      const { records, last } = ctx.keystore.keys.page(after, p.limit ?? 100);
      // Opt-in callers (the PKCS#11 module) see only the keys that name them; a page may then hold fewer keys.
      const visible = records.filter((r) => keyVisibleTo(r, call.caller));
      return { keys: visible.map((r) => keyInfo(ctx.registry, r)), ...(last !== undefined ? { nextCursor: String(last) } : {}) };
    },

    'keys.get': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.id);
      if (!keyVisibleTo(rec, call.caller)) throw new KmsError('NOT_FOUND', 'no key with that id');
      return keyInfo(ctx.registry, rec);
    },

    'keys.delete': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.id);
      authorizeKeyAdmin(rec, call.caller);
      assertDeletable(rec, call.caller, (id) => ctx.keystore.keys.exists(id));
      const versions = ctx.keystore.keys.versions.versions(p.id);
      ctx.write(() => ctx.keystore.keys.delete(p.id), { caller: call.caller, method: call.method, keyId: p.id, outcome: 'ok' }, { erases: true });
      call.audited = true;
      ctx.software.forget(p.id, versions);
      return { id: p.id, deleted: true as const };
    },

    'keys.update': async (p, call) => {
      const rec = ctx.keystore.keys.get(p.id);
      authorizeKeyAdmin(rec, call.caller);
      let policy = rec.policy;
      if (p.policy) {
        const spec = ctx.registry.get(rec.algorithm);
        const supported = rec.hasSecret || rec.provider !== 'software' ? spec.operations : spec.operations.filter((o) => PUBLIC_OPERATIONS.includes(o));
        // A legacy key with both kinds of purpose keeps the side that takes effect unless new purposes are named.
        const merged = { ...rec.policy, purposes: effectivePurposes(rec.policy.purposes), ...p.policy };
        policy = newKeyPolicy(supported, merged, rec.derivation?.path);
        // From the renderer a key's rights only go down; widening needs a caller that speaks for the user.
        assertRightsChange(call.caller, rec.policy, policy);
      }
      const label = p.label ?? rec.label;
      ctx.write(() => ctx.keystore.keys.update(p.id, label, policy), { caller: call.caller, method: call.method, keyId: p.id, outcome: 'ok' }, { erases: true });
      call.audited = true;
      ctx.software.forget(p.id);
      return keyInfo(ctx.registry, { ...rec, label, policy });
    },

  };
}
