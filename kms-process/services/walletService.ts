// wallet.export / wallet.import: the keystore as Universal Wallet 2020 contents, locked with a password. Each key
// goes through keys.export / keys.import with the caller's own identity, so their rules hold unchanged: a private
// part leaves only for `app` or `cli` and only for an exportable key; every other key is listed by reference (its
// public key, algorithm, HD path) and never in clear.
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { fromB64u, KmsError, METHODS, type Jwk, type KeyInfo, type MethodName, type Params } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import { lockWallet, unlockWallet, WALLET_CONTEXT, type WalletItem } from '../wallet/universalWallet.js';
import { exportHandlers } from './exportService.js';
import type { Call, Handler, HandlerTable } from './handler.js';
import { keysHandlers } from './keysService.js';

const SYMMETRIC_KTY = new Set(['aes-128', 'aes-256', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'chacha20-poly1305', 'xchacha20-poly1305']);

export function walletHandlers(ctx: KmsContext): HandlerTable {
  const inner = { ...keysHandlers(ctx), ...exportHandlers(ctx) };
  /** Another method's handler, its params checked by that method's own schema. */
  const run = async <M extends MethodName>(method: M, params: Params<M>, call: Call) => {
    const parsed = METHODS[method].params.safeParse(params);
    if (!parsed.success) throw new KmsError('INVALID_REQUEST', `a wallet item does not fit ${method}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    return (inner[method] as Handler<M>)(parsed.data as never, call);
  };

  const describe = (k: KeyInfo) => ({
    algorithm: k.algorithm,
    provider: k.provider,
    purposes: k.purposes,
    requiresApproval: k.requiresApproval,
    createdAt: k.createdAt,
    ...(k.derivation ? { derivation: k.derivation } : {}),
  });

  const exportItem = async (k: KeyInfo, call: Call): Promise<{ item: WalletItem; private: boolean }> => {
    const base = { '@context': [WALLET_CONTEXT], id: `urn:owkms:key:${k.id}`, name: k.label, owkms: describe(k) };
    const inClear = k.exportable && k.provider === 'software';
    if (inClear && k.algorithm === 'hd-seed') {
      const r = await run('keys.export', { id: k.id, format: 'mnemonic', private: true }, call);
      return { item: { ...base, type: 'Mnemonic', value: r.mnemonic }, private: true };
    }
    if (inClear && SYMMETRIC_KTY.has(k.algorithm)) {
      const r = await run('keys.export', { id: k.id, format: 'raw', private: true }, call);
      return { item: { ...base, type: 'JsonWebKey2020', privateKeyJwk: { kty: 'oct', k: r.data } }, private: true };
    }
    if (inClear) {
      const r = await run('keys.export', { id: k.id, format: 'jwk', private: true }, call);
      return { item: { ...base, type: 'JsonWebKey2020', ...(k.publicKey?.jwk ? { publicKeyJwk: k.publicKey.jwk } : {}), privateKeyJwk: r.jwk }, private: true };
    }
    return { item: { ...base, type: 'OwkmsKeyReference', ...(k.publicKey?.jwk ? { publicKeyJwk: k.publicKey.jwk } : {}) }, private: false };
  };

  const importItem = async (item: WalletItem, exportable: boolean, call: Call): Promise<KeyInfo | { type: string; reason: string }> => {
    const type = Array.isArray(item.type) ? item.type.map(String).join(',') : String(item.type ?? 'unknown');
    const label = typeof item.name === 'string' ? item.name.replace(/[\u0000-\u001f\u007f]/g, ' ').slice(0, 256) : undefined;
    const own = (item.owkms ?? {}) as { algorithm?: unknown };
    const flags = { ...(label !== undefined ? { label } : {}), exportable };
    if (type === 'Mnemonic' && typeof item.value === 'string') return run('keys.import', { format: 'mnemonic', data: item.value, ...flags }, call);
    if (type === 'Entropy' && typeof item.value === 'string' && /^([0-9a-fA-F]{2}){16,32}$/.test(item.value)) {
      // Universal Wallet's "Entropy": the BIP39 entropy of a seed, imported as its mnemonic.
      return run('keys.import', { format: 'mnemonic', data: entropyToMnemonic(Buffer.from(item.value, 'hex'), wordlist), ...flags }, call);
    }
    if (type === 'JsonWebKey2020' && item.privateKeyJwk && typeof item.privateKeyJwk === 'object') {
      const jwk = item.privateKeyJwk as Jwk;
      const algorithm = typeof own.algorithm === 'string' ? own.algorithm : undefined;
      if (jwk.kty === 'oct') {
        if (!algorithm || typeof jwk.k !== 'string' || !fromB64u(jwk.k)) return { type, reason: 'a symmetric JWK needs owkms.algorithm' };
        return run('keys.import', { format: 'raw', data: jwk.k, algorithm: algorithm as never, ...flags }, call);
      }
      return run('keys.import', { format: 'jwk', data: jwk, ...(algorithm ? { algorithm: algorithm as never } : {}), ...flags }, call);
    }
    if (type === 'OwkmsKeyReference') return { type, reason: 'a reference to a key that was not exportable: its material is not in the wallet' };
    if (type === 'JsonWebKey2020') return { type, reason: 'a public key only' };
    return { type, reason: 'not a key: this KMS keeps keys only (no credential store)' };
  };

  return {
    'wallet.export': async (p, call) => {
      ctx.keystore.assertUnlocked();
      const contents: WalletItem[] = [];
      let exported = 0;
      for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
        const page = await run('keys.list', { limit: 1000, ...(cursor ? { cursor } : {}) }, call);
        for (const k of page.keys) {
          const { item, private: inClear } = await exportItem(k, call);
          contents.push(item);
          if (inClear) exported++;
        }
        cursor = page.nextCursor;
      }
      const wallet = await lockWallet(p.password, contents);
      return { wallet, exported, referenced: contents.length - exported };
    },

    'wallet.import': async (p, call) => {
      ctx.keystore.assertUnlocked();
      const contents = await unlockWallet(p.password, p.wallet);
      const imported: KeyInfo[] = [];
      const skipped: Array<{ id?: string; type: string; reason: string }> = [];
      for (const item of contents) {
        const id = typeof item.id === 'string' ? item.id.slice(0, 256) : undefined;
        try {
          const r = await importItem(item, p.exportable ?? false, call);
          if ('reason' in r) skipped.push({ ...(id ? { id } : {}), ...r });
          else imported.push(r);
        } catch (e) {
          // One bad item does not stop the rest; its reason is the typed error's message (never key material).
          const reason = e instanceof KmsError ? `${e.kind}: ${e.message}` : 'could not be imported';
          skipped.push({ ...(id ? { id } : {}), type: String(item.type ?? 'unknown'), reason });
        }
      }
      call.audited = imported.length > 0;
      return { imported, skipped };
    },
  };
}
