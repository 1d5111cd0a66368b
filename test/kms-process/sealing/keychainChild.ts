// Runs inside a child process whose environment points at a test Secret Service (see test/services/gnomeKeyring.ts);
// each export drives the real KeychainSealer and returns JSON-able results.
import { AsyncEntry } from '@napi-rs/keyring';
import { KeychainSealer } from '../../../kms-process/sealing/keychainSealer.js';

const share = () => new Uint8Array(32).map((_, i) => (i * 13 + 5) & 0xff);

export function availability() {
  return new KeychainSealer().availability();
}

export async function roundTrip(keystoreId: string, service?: string) {
  const sealer = new KeychainSealer();
  const ctx = { keystoreId, storeDir: '/nonexistent' };
  const copy = await sealer.seal(share(), service ? { kind: 'keychain', service } : { kind: 'keychain' }, ctx);
  const back = await sealer.unseal(copy, {}, ctx);
  let moved: string | undefined;
  await sealer.unseal(copy, {}, { ...ctx, keystoreId: `${keystoreId}-other` }).catch((e: { kind?: string }) => {
    moved = e.kind;
  });
  await sealer.forget(copy, ctx);
  let afterForget: string | undefined;
  await sealer.unseal(copy, {}, ctx).catch((e: { kind?: string }) => {
    afterForget = e.kind;
  });
  return { params: copy.params, same: Buffer.from(back).equals(Buffer.from(share())), moved, afterForget };
}

/** Only seals; the parent expects this to fail with UNAVAILABLE when no Secret Service answers. */
export async function sealOnly(keystoreId: string) {
  const copy = await new KeychainSealer().seal(share(), { kind: 'keychain' }, { keystoreId, storeDir: '/nonexistent' });
  return copy.params;
}

/** A copy as version 1 wrote it (v1 params, the entry named after the keystore id) still unseals. */
export async function legacyV1(keystoreId: string) {
  await new AsyncEntry('owkms', keystoreId).setPassword(Buffer.from(share()).toString('base64url'));
  const copy = { kind: 'keychain' as const, params: { v: 1, service: 'owkms', account: keystoreId }, blob: new Uint8Array(0) };
  const back = await new KeychainSealer().unseal(copy, {}, { keystoreId, storeDir: '/nonexistent' });
  let moved: string | undefined;
  await new KeychainSealer().unseal(copy, {}, { keystoreId: `${keystoreId}-other`, storeDir: '/nonexistent' }).catch((e: { kind?: string }) => {
    moved = e.kind;
  });
  await new AsyncEntry('owkms', keystoreId).deletePassword();
  return { same: Buffer.from(back).equals(Buffer.from(share())), moved };
}
