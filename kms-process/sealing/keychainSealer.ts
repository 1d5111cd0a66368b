// The `keychain` sealer: keeps the 32-byte share in the OS keychain (Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows) through @napi-rs/keyring; no keychain answering means UNAVAILABLE, never plaintext.
import { randomBytes, randomUUID } from 'node:crypto';
import { AsyncEntry } from '@napi-rs/keyring';
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

interface KeychainParams {
  v: 1;
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
  if (v !== 1 || typeof service !== 'string' || typeof account !== 'string' || service.length === 0) {
    throw new KmsError('TAMPERED', 'keychain sealer parameters are malformed');
  }
  // The entry is named after the keystore: a copy moved to another keystore points at the wrong entry.
  if (account !== ctx.keystoreId) throw new KmsError('TAMPERED', 'keychain entry belongs to another keystore');
  return { v, service, account };
}

export class KeychainSealer implements Sealer {
  readonly kind = 'keychain' as const;
  readonly needs = 'none' as const;

  /** Writes, reads back and deletes a probe entry: only a store that really keeps secrets counts as available. */
  async availability(): Promise<SealerAvailability> {
    const store = STORE_NAME[process.platform] ?? 'OS keychain';
    const entry = new AsyncEntry(`${DEFAULT_KEYCHAIN_SERVICE}-probe`, `probe-${randomUUID()}`);
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
    const params: KeychainParams = { v: 1, service: enrolment.service ?? DEFAULT_KEYCHAIN_SERVICE, account: ctx.keystoreId };
    const entry = new AsyncEntry(params.service, params.account);
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
      stored = await new AsyncEntry(p.service, p.account).getPassword(AbortSignal.timeout(OP_TIMEOUT_MS));
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

  async forget(copy: SealedCopy, ctx: SealContext): Promise<void> {
    const p = parseParams(copy.params, ctx);
    try {
      await new AsyncEntry(p.service, p.account).deletePassword(AbortSignal.timeout(OP_TIMEOUT_MS));
    } catch (e) {
      throw unavailable('delete', e);
    }
  }
}

