// The pkcs11 sealer against SoftHSM2: seal/unseal round trips with AES-GCM and AES-KWP, the sealing key checked
// non-extractable on the token, wrong PIN counted (WRONG_SECRET then LOCKED_OUT), tampering, and a missing token.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Sealer } from '../../../kms-process/sealing/pkcs11Sealer.js';
import type { SealContext } from '../../../kms-process/sealing/sealer.js';
import { softHsmFixture, storedRef, type Fixture } from '../providers/pkcs11/softhsmFixture.js';

let fx: Fixture;
let clock = 5_000_000;
const ctx: SealContext = { keystoreId: 'ks-test-0001', storeDir: '/nonexistent' };

beforeAll(async () => {
  fx = await softHsmFixture(['sealer'], { now: () => clock, backoff: { freeAttempts: 1, baseDelayMs: 10_000, maxDelayMs: 60_000 } });
});
afterAll(async () => fx?.close());

describe('pkcs11 sealer', () => {
  for (const mechanism of ['aes-gcm', 'aes-kwp'] as const) {
    it(`${mechanism}: seals to a non-extractable token key and unseals with the PIN`, async () => {
      const token = fx.hsm.tokens[0]!;
      const sealer = new Pkcs11Sealer(fx.provider, mechanism);
      expect(await sealer.availability()).toMatchObject({ available: true });
      const secret = randomBytes(32);
      const copy = await sealer.seal(secret, { kind: 'pkcs11', token: token.serial, pin: token.pin }, ctx);
      expect(copy.params).toMatchObject({ serial: token.serial, mechanism });
      expect(Buffer.from(copy.blob).includes(secret)).toBe(false);
      const key = storedRef('aes-256', { serial: token.serial, ckaId: copy.params.ckaId as string });
      expect(await fx.provider.protection(key)).toMatchObject({ sensitive: true, extractable: false, neverExtractable: true });

      await fx.tokens.logout(token.serial);
      expect(Buffer.from(await sealer.unseal(copy, { pin: token.pin }, ctx))).toEqual(secret);
      await expect(sealer.unseal(copy, {}, ctx)).rejects.toMatchObject({ kind: 'INVALID_REQUEST' });
    });
  }

  it('binds the GCM copy to the keystore and detects a flipped byte', async () => {
    const token = fx.hsm.tokens[0]!;
    const sealer = new Pkcs11Sealer(fx.provider);
    const copy = await sealer.seal(randomBytes(32), { kind: 'pkcs11', token: token.serial, pin: token.pin }, ctx);
    await expect(sealer.unseal(copy, { pin: token.pin }, { ...ctx, keystoreId: 'other' })).rejects.toMatchObject({ kind: 'TAMPERED' });
    const flipped = Uint8Array.from(copy.blob);
    flipped[3]! ^= 1;
    await expect(sealer.unseal({ ...copy, blob: flipped }, { pin: token.pin }, ctx)).rejects.toMatchObject({ kind: 'TAMPERED' });
    await expect(sealer.unseal({ ...copy, params: { ...copy.params, ckaId: 'zz' } }, { pin: token.pin }, ctx)).rejects.toMatchObject({
      kind: 'TAMPERED',
    });
    await sealer.forget(copy);
    await expect(sealer.unseal(copy, { pin: token.pin }, ctx)).rejects.toMatchObject({ kind: 'NOT_FOUND' });
  });

  it('a wrong PIN is WRONG_SECRET and counted; the backoff answers LOCKED_OUT with retryAfterMs', async () => {
    const token = fx.hsm.tokens[0]!;
    const sealer = new Pkcs11Sealer(fx.provider);
    const copy = await sealer.seal(randomBytes(32), { kind: 'pkcs11', token: token.serial, pin: token.pin }, ctx);
    const wrong = `${token.pin}0`;
    await expect(sealer.unseal(copy, { pin: wrong }, ctx)).rejects.toMatchObject({ kind: 'WRONG_SECRET', data: { retryAfterMs: 10_000 } });
    await expect(sealer.unseal(copy, { pin: token.pin }, ctx)).rejects.toMatchObject({ kind: 'LOCKED_OUT', data: { retryAfterMs: 10_000 } });
    clock += 10_000;
    expect(await sealer.unseal(copy, { pin: token.pin }, ctx)).toHaveLength(32);
  });

  it('a token that is not there makes the sealer UNAVAILABLE', async () => {
    const sealer = new Pkcs11Sealer(fx.provider);
    const copy = { kind: 'pkcs11' as const, params: { serial: 'feedfeedfeedfeed', ckaId: '0102', mechanism: 'aes-kwp' }, blob: new Uint8Array(40) };
    await expect(sealer.unseal(copy, { pin: '1234' }, ctx)).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
  });
});
