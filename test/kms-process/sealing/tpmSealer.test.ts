// The TPM sealer and rollback counter against real swtpm instances: round trip, wrong PIN, lockout,
// another TPM's blob, PCR policy, keystore binding, NV counter across restarts.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmsError } from '../../../kms-process/api/errors.js';
import type { SealContext } from '../../../kms-process/sealing/sealer.js';
import { TpmRollbackCounter } from '../../../kms-process/sealing/tpmCounter.js';
import { TpmSealer } from '../../../kms-process/sealing/tpmSealer.js';
import { TpmConnection } from '../../../native/tpm2/index.js';
import { startSwtpm, type Swtpm } from '../../services/swtpm.js';

const ctx: SealContext = { keystoreId: 'ks-test-1', storeDir: '/nonexistent' };
const share = () => new Uint8Array(32).map((_, i) => (i * 7 + 3) & 0xff);

async function kmsError(p: Promise<unknown>): Promise<KmsError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(KmsError);
  return e as KmsError;
}

describe('TpmSealer against swtpm', () => {
  let a: Swtpm;
  let b: Swtpm;
  const sealer = new TpmSealer();

  beforeAll(async () => {
    a = await startSwtpm();
    b = await startSwtpm();
  });
  afterAll(async () => {
    await a?.dispose();
    await b?.dispose();
  });

  it('reports the TPM behind it, or why there is none', async () => {
    const ok = await new TpmSealer({ tcti: a.tcti }).availability();
    expect(ok.available).toBe(true);
    expect(ok.detail).toContain('IBM');
    expect(ok.detail).toContain(a.tcti);
    const none = await new TpmSealer({ tcti: 'swtpm:host=127.0.0.1,port=1' }).availability();
    expect(none).toMatchObject({ available: false });
    expect(none.detail).toMatch(/cannot reach the TPM/);
  });

  it('seals and unseals without a PIN', async () => {
    const copy = await sealer.seal(share(), { kind: 'tpm', tcti: a.tcti }, ctx);
    expect(copy.params).toMatchObject({ tcti: a.tcti, authRequired: false, pcrs: [] });
    expect(await sealer.unseal(copy, {}, ctx)).toEqual(share());
  });

  it('with a PIN: round trip, wrong PIN is WRONG_SECRET, missing PIN is INVALID_REQUEST', async () => {
    const copy = await sealer.seal(share(), { kind: 'tpm', tcti: a.tcti, auth: '2468' }, ctx);
    expect(await sealer.unseal(copy, { pin: '2468' }, ctx)).toEqual(share());
    const wrong = await kmsError(sealer.unseal(copy, { pin: '0000' }, ctx));
    expect(wrong.kind).toBe('WRONG_SECRET');
    expect(wrong.message).not.toContain('0000');
    expect((await kmsError(sealer.unseal(copy, {}, ctx))).kind).toBe('INVALID_REQUEST');
    const tpm = await TpmConnection.open(a.tcti);
    await tpm.resetDictionaryAttack();
    await tpm.close();
  });

  it('a copy sealed by one TPM cannot be unsealed by another: UNAVAILABLE naming the cause', async () => {
    const copy = await sealer.seal(share(), { kind: 'tpm', tcti: a.tcti }, ctx);
    const other = await kmsError(new TpmSealer({ tcti: b.tcti }).unseal(copy, {}, ctx));
    expect(other.kind).toBe('UNAVAILABLE');
    expect(other.message).toMatch(/different TPM/);
  });

  it('refuses a copy moved to another keystore or with an altered blob', async () => {
    const copy = await sealer.seal(share(), { kind: 'tpm', tcti: a.tcti }, ctx);
    const moved = await kmsError(sealer.unseal(copy, {}, { ...ctx, keystoreId: 'ks-other' }));
    expect(moved.kind).toBe('TAMPERED');
    const blob = new Uint8Array(copy.blob);
    blob[blob.length - 1]! ^= 1;
    expect((await kmsError(sealer.unseal({ ...copy, blob }, {}, ctx))).kind).toBe('TAMPERED');
  });

  it('PCR policy: unseals while PCR 16 is unchanged, refuses after it is extended', async () => {
    const copy = await sealer.seal(share(), { kind: 'tpm', tcti: a.tcti, pcrs: [16], auth: 'pin' }, ctx);
    expect(await sealer.unseal(copy, { pin: 'pin' }, ctx)).toEqual(share());
    const ext = spawnSync('tpm2_pcrextend', ['-T', a.tcti, `16:sha256=${'ab'.repeat(32)}`], { encoding: 'utf8' });
    if (ext.error) throw new Error('tpm2_pcrextend not found: install the Debian package `tpm2-tools`');
    expect(ext.status, ext.stderr).toBe(0);
    const refused = await kmsError(sealer.unseal(copy, { pin: 'pin' }, ctx));
    expect(refused.kind).toBe('TAMPERED');
    expect(refused.message).toMatch(/PCR/);
  });

  it('dictionary-attack lockout: after max tries the TPM answers LOCKED_OUT with retryAfterMs', async () => {
    const sw = await startSwtpm();
    try {
      const tpm = await TpmConnection.open(sw.tcti);
      await tpm.setDictionaryAttackParameters({ maxTries: 3, recoverySec: 7, lockoutRecoverySec: 30 });
      await tpm.close();
      const copy = await sealer.seal(share(), { kind: 'tpm', tcti: sw.tcti, auth: 'right' }, ctx);
      const kinds: string[] = [];
      let last: KmsError | undefined;
      for (let i = 0; i < 5; i++) {
        last = await kmsError(sealer.unseal(copy, { pin: `wrong-${i}` }, ctx));
        kinds.push(last.kind);
      }
      expect(kinds.slice(0, 3)).toEqual(['WRONG_SECRET', 'WRONG_SECRET', 'WRONG_SECRET']);
      expect(kinds.slice(3)).toEqual(['LOCKED_OUT', 'LOCKED_OUT']);
      expect(last?.data.retryAfterMs).toBe(7000);
      // Locked out even for the right PIN: the TPM does not check it while in lockout.
      expect((await kmsError(sealer.unseal(copy, { pin: 'right' }, ctx))).kind).toBe('LOCKED_OUT');
    } finally {
      await sw.dispose();
    }
  });
});

describe('TpmRollbackCounter against swtpm', () => {
  it('is monotonic and survives a swtpm restart with the same state folder', async () => {
    let sw = await startSwtpm();
    try {
      const counter = TpmRollbackCounter.forKeystore(sw.tcti, ctx.keystoreId);
      expect(counter.index).toBe(TpmRollbackCounter.indexFor(ctx.keystoreId));
      const first = await counter.ensure();
      expect(first).toBe(1n);
      expect(await counter.ensure()).toBe(1n); // idempotent
      expect(await counter.increment()).toBe(2n);
      expect(await counter.increment()).toBe(3n);
      await sw.stop();
      sw = await startSwtpm({ stateDir: sw.stateDir });
      const again = new TpmRollbackCounter(sw.tcti, counter.index);
      expect(await again.read()).toBe(3n);
      expect(await again.increment()).toBe(4n);
      await again.remove();
      expect((await kmsError(again.read())).kind).toBe('NOT_FOUND');
    } finally {
      await sw.dispose();
    }
  });
});
