// owkms doctor on damaged keystores, through the real CLI and its sandboxed KMS: a healthy keystore is reported as
// such; a keystore whose keys table lost a page (zeroed, as a bad sector or a torn write leaves it: CORRUPT when
// used) is diagnosed key by key, and --salvage-to writes every key whose rows verify into a new keystore that the same
// passphrase opens and that signs exactly as before, while the damaged original becomes an older copy (ROLLBACK) for
// the keychain's rollback mirror; an edited row is found by its MAC; without the passphrase nothing is checked.
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startKms, tempDir } from '../helpers/kms.js';
import { jsonOut, owkms } from '../helpers/owkms.js';
import { startSecretService, type SecretServiceSession } from '../services/gnomeKeyring.js';

const PASSPHRASE = 'owkms doctor test passphrase';
const KEYS = 60;
let session: SecretServiceSession;
const work = tempDir('owkms-doctor-');
const store = join(work, 'store');
interface Key {
  id: string;
  label: string;
  publicKey: { jwk: object };
}
let keys: Key[] = [];
const signatures = new Map<string, string>();

function env(extra: Record<string, string> = {}): Record<string, string> {
  const base = Object.fromEntries(Object.entries(session.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  return { ...base, OWKMS_PASSPHRASE: PASSPHRASE, OWKMS_NO_AGENT: '1', ...extra };
}

async function cli<T = Record<string, unknown>>(args: string[], e: Record<string, string> = env(), stdin?: string): Promise<{ code: number | null; out: T; stderr: string }> {
  const r = await owkms(['--json', ...args], { env: e, detached: true, timeoutMs: 120_000, ...(stdin !== undefined ? { stdin } : {}) });
  return { code: r.code, out: jsonOut<T>(r), stderr: r.stderr };
}

beforeAll(async () => {
  session = await startSecretService();
  // Made through one KMS (a one-shot owkms per key would cost a KMS start and an unlock each).
  const kms = await startKms({ dir: store, env: env(), createStore: true });
  try {
    await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    for (let i = 0; i < KEYS; i++) await kms.client.call('keys.generate', { algorithm: 'ed25519', label: `doctor-key-${String(i).padStart(3, '0')}` });
    keys = (await kms.client.call('keys.list', { limit: 1000 })).keys as unknown as Key[];
    for (const k of keys) signatures.set(k.id, (await kms.client.call('crypto.sign', { id: k.id, data: Buffer.from('doctor').toString('base64url') })).signature);
  } finally {
    await kms.stop();
  }
}, 120_000);

afterAll(async () => {
  await session?.stop();
  removeDir(work);
});

describe('owkms doctor', () => {
  it('says a healthy keystore is healthy, and checks nothing without the passphrase', async () => {
    const healthy = await cli<{ healthy: string; keys: { rows: number; verified: number } }>(['--store', store, 'doctor']);
    expect(healthy.out).toMatchObject({ healthy: 'yes', keys: { rows: KEYS, verified: KEYS }, metadata: 'verified', keySet: 'matches', audit: 'verified' });
    const blind = await cli<{ healthy: string; unseal: { state: string; needs: string[] } }>(['--store', store, 'doctor'], env({ OWKMS_PASSPHRASE: '' }));
    expect(blind.out).toMatchObject({ healthy: 'unknown', unseal: { state: 'needs', needs: ['passphrase'] } });
    const wrong = await cli<{ unseal: { state: string; detail: string } }>(['--store', store, 'doctor'], env({ OWKMS_PASSPHRASE: 'not the passphrase' }));
    expect(wrong.out.unseal).toMatchObject({ state: 'failed' });
    expect(wrong.out.unseal.detail).toContain('WRONG_SECRET');
  });

  it('a keys page zeroed: CORRUPT when used; the doctor finds which keys are lost and salvages the rest', async () => {
    const file = join(store, 'keystore.sqlite');
    const bytes = readFileSync(file);
    const victim = keys[Math.floor(KEYS / 2)]!;
    const at = bytes.indexOf(Buffer.from(victim.label));
    expect(at).toBeGreaterThan(0);
    const page = Math.floor(at / 4096);
    bytes.fill(0, page * 4096, (page + 1) * 4096);
    writeFileSync(file, bytes);

    const listed = await cli<{ error: { kind: string } }>(['--store', store, 'keys', 'list', '--limit', '1000']);
    expect(listed.out.error.kind).toBe('CORRUPT');
    const human = await owkms(['--store', store, 'keys', 'list'], { env: env(), detached: true, timeoutMs: 60_000 });
    expect(human.stderr).toContain('owkms doctor');

    const report = (await cli<Record<string, never>>(['--store', store, 'doctor'])).out as unknown as {
      healthy: string;
      file: { integrity: string[]; unreadable: string[] };
      keys: { rows: number; verified: number };
      salvageable: { keys: number };
    };
    expect(report.healthy).toBe('no');
    expect(report.file.integrity.join()).not.toBe('ok');
    expect(report.keys.verified).toBe(report.keys.rows);
    const lost = KEYS - report.salvageable.keys;
    expect(lost).toBeGreaterThan(0);
    expect(lost).toBeLessThan(KEYS / 2);

    const salvageDir = join(work, 'salvaged');
    const salvage = await cli<{ salvaged: { keys: number; dir: string; rollback: string } }>(['--store', store, 'doctor', '--salvage-to', salvageDir]);
    expect(salvage.code).toBe(0);
    expect(salvage.out.salvaged).toMatchObject({ keys: KEYS - lost, dir: salvageDir });
    expect(salvage.out.salvaged.rollback).toMatch(/^keychain/);
    const again = await cli<{ error: { kind: string } }>(['--store', store, 'doctor', '--salvage-to', salvageDir]);
    expect(again.out.error.kind).toBe('ALREADY_INITIALIZED');

    // The salvaged keystore: the same passphrase opens it, every key in it is one of the originals and signs the same.
    const kms = await startKms({ dir: salvageDir, env: env() });
    try {
      await kms.client.call('kms.unlock', { passphrase: PASSPHRASE });
      const saved = (await kms.client.call('keys.list', { limit: 1000 })).keys as unknown as Key[];
      expect(saved).toHaveLength(KEYS - lost);
      for (const k of saved) {
        expect(k).toEqual(keys.find((o) => o.id === k.id));
        const { signature } = await kms.client.call('crypto.sign', { id: k.id, data: Buffer.from('doctor').toString('base64url') });
        expect(signature).toBe(signatures.get(k.id));
        expect(nodeVerify(null, Buffer.from('doctor'), createPublicKey({ key: k.publicKey.jwk as never, format: 'jwk' }), Buffer.from(signature, 'base64url'))).toBe(true);
      }
      expect((await kms.client.call('audit.list', { limit: 1 })).entries[0]).toMatchObject({ method: 'kms.doctor', outcome: 'salvaged' });
    } finally {
      await kms.stop();
    }
    expect((await cli<{ healthy: string }>(['--store', salvageDir, 'doctor'])).out.healthy).toBe('yes');
    // The damaged original is from now on an older copy for the rollback mirror.
    const status = await cli<{ error: { kind: string } }>(['--store', store, 'unlock']);
    expect(status.out.error.kind).toBe('ROLLBACK');
  }, 300_000);
});
