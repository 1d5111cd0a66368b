// The `keychain` sealer: keeps the 32-byte share in the OS keychain (Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows) through @napi-rs/keyring; no keychain answering means UNAVAILABLE, never plaintext.
import { randomBytes, randomUUID } from 'node:crypto';
import { findCredentialsAsync } from '@napi-rs/keyring';
import { keychainEntry } from './keychainEntry.js';
import { fromB64u, toB64u } from '../api/bytes.js';
import { KmsError } from '../api/errors.js';
import type { SealerEnrolment } from '../api/index.js';
import type { SealContext, SealedCopy, Sealer, SealerAvailability, UnlockSecrets } from './sealer.js';

export const DEFAULT_KEYCHAIN_SERVICE = 'owkms';
const SECRET_LENGTH = 32;
// A locked login keyring may show an unlock prompt: give the user time, but never hang the KMS forever.
const OP_TIMEOUT_MS = 60_000;
const PROBE_TIMEOUT_MS = 5_000;

const STORE_NAME: Record<string, string> = {
  linux: 'Secret Service',
  darwin: 'macOS Keychain',
  win32: 'Windows Credential Manager',
};

/**
 * v1: the entry is named after the keystore id. v2: keystore id, '/', and a random suffix, new at every seal: a
 * re-seal (kms.changeSealers, new shares under policy `all`) writes a new entry and never overwrites the one the
 * keystore on disk still names, so a crash between the keychain write and the database commit leaves the old
 * entry and the old copies agreeing (the old entry is removed once the commit is done).
 */
interface KeychainParams {
  v: 1 | 2;
  service: string;
  account: string;
}

function unavailable(what: string, cause: unknown): KmsError {
  // The keyring's message names the platform failure (e.g. "Couldn't access platform storage"), never the secret.
  const why = cause instanceof Error ? cause.message : String(cause);
  return new KmsError('UNAVAILABLE', `keychain ${what} failed: ${why}`, { cause });
}

function parseParams(params: Record<string, unknown>, ctx: SealContext): KeychainParams {
  const { v, service, account } = params;
  if ((v !== 1 && v !== 2) || typeof service !== 'string' || typeof account !== 'string' || service.length === 0) {
    throw new KmsError('TAMPERED', 'keychain sealer parameters are malformed');
  }
  // The entry is named after the keystore: a copy moved to another keystore points at the wrong entry.
  const ours = v === 1 ? account === ctx.keystoreId : account.startsWith(`${ctx.keystoreId}/`) && /^[A-Za-z0-9_-]{16}$/.test(account.slice(ctx.keystoreId.length + 1));
  if (!ours) throw new KmsError('TAMPERED', 'keychain entry belongs to another keystore');
  return { v, service, account };
}

export class KeychainSealer implements Sealer {
  readonly kind = 'keychain' as const;
  readonly needs = 'none' as const;

  /** Writes, reads back and deletes a probe entry: only a store that really keeps secrets counts as available. */
  async availability(): Promise<SealerAvailability> {
    const store = STORE_NAME[process.platform] ?? 'OS keychain';
    const entry = keychainEntry(`${DEFAULT_KEYCHAIN_SERVICE}-probe`, `probe-${randomUUID()}`);
    const value = randomBytes(16).toString('base64url');
    try {
      await entry.setPassword(value, AbortSignal.timeout(PROBE_TIMEOUT_MS));
      const back = await entry.getPassword(AbortSignal.timeout(PROBE_TIMEOUT_MS));
      await entry.deletePassword(AbortSignal.timeout(PROBE_TIMEOUT_MS));
      if (back !== value) return { available: false, detail: `${store} did not return what was stored` };
      return { available: true, detail: store };
    } catch (e) {
      return { available: false, detail: `no ${store} answered: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  async seal(secret: Uint8Array, enrolment: SealerEnrolment, ctx: SealContext): Promise<SealedCopy> {
    if (enrolment.kind !== 'keychain') throw new KmsError('INVALID_REQUEST', 'not a keychain enrolment');
    if (secret.length !== SECRET_LENGTH) throw new KmsError('INVALID_REQUEST', 'keychain sealer takes 32 bytes');
    const params: KeychainParams = { v: 2, service: enrolment.service ?? DEFAULT_KEYCHAIN_SERVICE, account: `${ctx.keystoreId}/${randomBytes(12).toString('base64url')}` };
    const entry = keychainEntry(params.service, params.account);
    const encoded = toB64u(secret);
    try {
      await entry.setPassword(encoded, AbortSignal.timeout(OP_TIMEOUT_MS));
      // Read back: a store that accepts writes but loses them must not be called "sealed".
      const back = await entry.getPassword(AbortSignal.timeout(OP_TIMEOUT_MS));
      if (back !== encoded) throw new Error('the keychain did not return what was stored');
    } catch (e) {
      throw unavailable('write', e);
    }
    return { kind: 'keychain', params: { ...params }, blob: new Uint8Array(0) };
  }

  async unseal(copy: SealedCopy, _secrets: UnlockSecrets, ctx: SealContext): Promise<Uint8Array> {
    const p = parseParams(copy.params, ctx);
    let stored: string | null;
    try {
      stored = await keychainEntry(p.service, p.account).getPassword(AbortSignal.timeout(OP_TIMEOUT_MS));
    } catch (e) {
      throw unavailable('read', e);
    }
    if (stored === null) {
      throw new KmsError('UNAVAILABLE', `no keychain entry for this keystore under service "${p.service}"`);
    }
    const secret = fromB64u(stored);
    if (!secret || secret.length !== SECRET_LENGTH) {
      secret?.fill(0);
      throw new KmsError('TAMPERED', 'keychain entry is not a 32-byte share');
    }
    return secret;
  }

  /**
   * Remove this keystore's entries that no copy in `keep` names: those a re-seal wrote and never got to use (the KMS
   * was killed before the commit). Entries of other keystores and of v1 copies are left alone.
   */
  async forgetOthers(keep: readonly SealedCopy[], ctx: SealContext): Promise<void> {
    const named = keep.filter((c) => c.kind === 'keychain').map((c) => parseParams(c.params, ctx));
    const services = new Set([DEFAULT_KEYCHAIN_SERVICE, ...named.map((p) => p.service)]);
    const accounts = new Set(named.map((p) => `${p.service}\u0000${p.account}`));
    for (const service of services) {
      let found;
      try {
        found = await findCredentialsAsync(service, null, AbortSignal.timeout(OP_TIMEOUT_MS));
      } catch (e) {
        throw unavailable('search', e);
      }
      for (const c of found) {
        if (!c.account.startsWith(`${ctx.keystoreId}/`) || accounts.has(`${service}\u0000${c.account}`)) continue;
        try {
          await keychainEntry(service, c.account).deletePassword(AbortSignal.timeout(OP_TIMEOUT_MS));
        } catch (e) {
          throw unavailable('delete', e);
        }
      }
    }
  }

  async forget(copy: SealedCopy, ctx: SealContext): Promise<void> {
    const p = parseParams(copy.params, ctx);
    try {
      await keychainEntry(p.service, p.account).deletePassword(AbortSignal.timeout(OP_TIMEOUT_MS));
    } catch (e) {
      throw unavailable('delete', e);
    }
  }
}

