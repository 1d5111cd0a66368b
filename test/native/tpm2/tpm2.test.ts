// The tpm2-tss addon against a real swtpm: random, properties, seal/unseal, NV counters, flushing, latency.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TpmConnection, TpmError, tpm2Availability } from '../../../native/tpm2/index.js';
import { startSwtpm, type Swtpm } from '../../services/swtpm.js';

describe('native/tpm2 against swtpm', () => {
  let sw: Swtpm;
  let tpm: TpmConnection;

  beforeAll(async () => {
    const addon = tpm2Availability();
    if (!addon.available) throw new Error(`${addon.reason} (build: node native/install.mjs)`);
    sw = await startSwtpm();
    tpm = await TpmConnection.open(sw.tcti);
  });

  afterAll(async () => {
    await tpm?.close();
    await sw?.dispose();
  });

  it('reads random bytes, properties and PCRs', async () => {
    const r = await tpm.getRandom(100);
    expect(r.length).toBe(100);
    const info = await tpm.info();
    expect(info.manufacturer).toBe('IBM');
    expect(info.firmware).toMatch(/^\d+\.\d+/);
    const pcrs = await tpm.pcrRead([0, 16]);
    expect(pcrs.get(16)?.length).toBe(32);
  });

  it('re-creates the same storage primary (fixed template)', async () => {
    expect((await tpm.primaryName()).equals(await tpm.primaryName())).toBe(true);
  });

  it('seals and unseals with an authValue; a wrong one is AUTH_FAIL', async () => {
    const secret = Buffer.alloc(32, 0x5a);
    const auth = Buffer.from('correct horse');
    const blob = await tpm.seal({ secret, auth });
    expect(await tpm.unseal({ ...blob, auth })).toEqual(secret);
    const err = await tpm.unseal({ ...blob, auth: Buffer.from('wrong') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpmError);
    expect(err).toMatchObject({ reason: 'AUTH_FAIL', layer: 'tpm', step: 'Esys_Unseal' });
    await tpm.resetDictionaryAttack();
  });

  it('checks arguments in TypeScript before the addon sees them', async () => {
    await expect(tpm.seal({ secret: new Uint8Array(0) })).rejects.toThrow(RangeError);
    await expect(tpm.seal({ secret: new Uint8Array(8), pcrs: [24] })).rejects.toThrow(RangeError);
    await expect(tpm.nvRead(0x81000001)).rejects.toThrow(RangeError);
  });

  it('flushes every transient object: 200 seal/unseal cycles without TPM_RC_OBJECT_MEMORY', async () => {
    for (let i = 0; i < 200; i++) {
      const secret = await tpm.getRandom(32);
      const blob = await tpm.seal({ secret, pcrs: i % 2 ? [16] : [] });
      expect(await tpm.unseal({ ...blob, pcrs: i % 2 ? [16] : [] })).toEqual(secret);
    }
  });

  it('measures unseal latency (median of 50)', async () => {
    const auth = Buffer.from('pin');
    const blob = await tpm.seal({ secret: Buffer.alloc(64, 1), auth });
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = process.hrtime.bigint();
      await tpm.unseal({ ...blob, auth });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const median = times[25]!;
    console.log(`[tpm2] unseal latency against swtpm: median ${median.toFixed(2)} ms, min ${times[0]!.toFixed(2)} ms, ` +
      `max ${times[49]!.toFixed(2)} ms (create primary + load + salted session + unseal + flushes)`);
    expect(median).toBeGreaterThan(0);
  });

  it('NV counter: define, monotonic increments, survives a swtpm restart with the same state', async () => {
    const index = 0x01000123;
    await tpm.nvDefineCounter(index);
    await expect(tpm.nvDefineCounter(index)).rejects.toMatchObject({ reason: 'NV_DEFINED' });
    await expect(tpm.nvRead(index)).rejects.toMatchObject({ reason: 'NV_UNINITIALIZED' });
    let last = 0n;
    for (let i = 0; i < 5; i++) {
      await tpm.nvIncrement(index);
      const v = await tpm.nvRead(index);
      expect(v).toBeGreaterThan(last);
      last = v;
    }
    await tpm.close();
    await sw.stop();
    sw = await startSwtpm({ stateDir: sw.stateDir });
    tpm = await TpmConnection.open(sw.tcti);
    expect(await tpm.nvRead(index)).toBe(last);
    await tpm.nvIncrement(index);
    expect(await tpm.nvRead(index)).toBe(last + 1n);
    await tpm.nvUndefine(index);
    await expect(tpm.nvRead(index)).rejects.toMatchObject({ reason: 'HANDLE' });
  });

  it('reports an unreachable TPM as a TCTI-layer TpmError', async () => {
    const err = await TpmConnection.open('swtpm:host=127.0.0.1,port=1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TpmError);
    expect((err as TpmError).layer).toBe('tcti');
  });
});
