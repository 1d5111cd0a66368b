// The sandbox and a TPM reached over TCP (swtpm): the KMS connects only to the simulator ports it was told about at
// start ($OWKMS_TCTI, the parent's --allow-tcti, or the TCTIs its store recorded at enrolment), never to others.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSPHRASE, removeDir, startKms, tempDir } from '../../helpers/kms.js';
import { startSwtpm, type Swtpm } from '../../services/swtpm.js';

async function rejection(p: Promise<unknown>): Promise<{ kind?: string; message?: string }> {
  return p.then(
    (v) => {
      throw new Error(`expected a KmsError, got ${JSON.stringify(v)}`);
    },
    (e: { kind?: string; message?: string }) => e,
  );
}

describe.runIf(process.platform === 'linux')('sandbox and a TPM over TCP', () => {
  let sw: Swtpm;
  const dirs: string[] = [];
  beforeAll(async () => {
    sw = await startSwtpm();
  });
  afterAll(async () => {
    await sw?.dispose();
    for (const d of dirs) removeDir(d);
  });

  it('a TCTI nobody named at start is out of reach: enrolment fails UNAVAILABLE, nothing is created', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const kms = await startKms({ dir });
    try {
      const status = await kms.client.call('kms.status', { probe: false });
      expect(status.sandbox!.landlock.tcpConnect).toEqual([]);
      const e = await rejection(kms.client.call('kms.init', { sealers: [{ kind: 'tpm', tcti: sw.tcti }] }));
      expect(e.kind).toBe('UNAVAILABLE');
      expect((await kms.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
    } finally {
      await kms.stop();
    }
  });

  it('a TCTI named by the parent works, is recorded in the store, and works at the next start without being named', async () => {
    const dir = tempDir();
    dirs.push(dir);
    let kms = await startKms({ dir, sandbox: { tctis: [sw.tcti] } });
    try {
      expect((await kms.client.call('kms.status', { probe: false })).sandbox!.landlock.tcpConnect).toEqual([sw.port, sw.port + 1]);
      await kms.client.call('kms.init', { sealers: [{ kind: 'tpm', tcti: sw.tcti }, { kind: 'passphrase', passphrase: PASSPHRASE }] });
    } finally {
      await kms.stop();
    }
    expect(JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'))).toEqual({ v: 1, tctis: [sw.tcti], connect: [] });
    kms = await startKms({ dir });
    try {
      const status = await kms.client.call('kms.status', {});
      expect(status.sandbox!.landlock.tcpConnect).toEqual([sw.port, sw.port + 1]);
      expect(status.sealers.find((s) => s.kind === 'tpm')).toMatchObject({ enrolled: true, available: true });
      expect(await kms.client.call('kms.unlock', {})).toEqual({ state: 'unlocked', unlockedBy: ['tpm'] });
      // Taking the TPM out of the sealers takes its ports out of the next start's sandbox.
      await kms.client.call('kms.changeSealers', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }], passphrase: PASSPHRASE });
      expect(JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8')).tctis).toEqual([]);
    } finally {
      await kms.stop();
    }
    expect(existsSync(join(dir, 'sandbox.json'))).toBe(true);
  });
});
