// The keychain sealer against a real gnome-keyring Secret Service on a private D-Bus, and with none at all;
// the sealer runs in a child process because libdbus takes the bus address from its process environment once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callInChild, isolatedEnv, startSecretService, type SecretServiceSession } from '../../services/gnomeKeyring.js';

const CHILD = resolve(fileURLToPath(new URL('./keychainChild.ts', import.meta.url)));

describe('KeychainSealer with gnome-keyring', () => {
  let session: SecretServiceSession;
  beforeAll(async () => {
    session = await startSecretService();
  });
  afterAll(async () => {
    await session?.stop();
  });

  it('probes the Secret Service for real and reports it available', async () => {
    const r = await callInChild(session.env, CHILD, 'availability');
    expect(r).toEqual({ ok: true, value: { available: true, detail: 'Secret Service' } });
  });

  it('seals, unseals, refuses a moved copy and forgets', async () => {
    const r = await callInChild(session.env, CHILD, 'roundTrip', ['ks-keychain-1']);
    expect(r).toEqual({
      ok: true,
      value: {
        // v2: a new entry per seal (the crash window of a re-seal, test/reliability/sealerCrashWindow.test.ts).
        params: { v: 2, service: 'owkms', account: expect.stringMatching(/^ks-keychain-1\/[A-Za-z0-9_-]{16}$/) },
        same: true,
        moved: 'TAMPERED',
        afterForget: 'UNAVAILABLE',
      },
    });
  });

  it('still unseals a copy sealed by the first version (the entry named after the keystore id)', async () => {
    expect(await callInChild(session.env, CHILD, 'legacyV1', ['ks-keychain-v1'])).toEqual({ ok: true, value: { same: true, moved: 'TAMPERED' } });
  });

  it('uses the enrolment service name', async () => {
    const r = await callInChild<{ params: { service: string } }>(session.env, CHILD, 'roundTrip', ['ks-2', 'owkms-dev']);
    expect(r.ok && r.value.params.service).toBe('owkms-dev');
  });
});

describe('KeychainSealer with no Secret Service', () => {
  let base: string;
  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'owkms-nokeyring-'));
  });
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  for (const [label, bus] of [
    ['no DBUS_SESSION_BUS_ADDRESS', undefined],
    ['a dead bus', 'unix:path=/nonexistent/owkms-dead-bus'],
  ] as const) {
    it(`${label}: availability false with the reason, seal UNAVAILABLE (no fallback)`, async () => {
      const env = { ...isolatedEnv(base), ...(bus ? { DBUS_SESSION_BUS_ADDRESS: bus } : {}) };
      const avail = await callInChild<{ available: boolean; detail: string }>(env, CHILD, 'availability');
      expect(avail.ok && avail.value.available).toBe(false);
      expect(avail.ok && avail.value.detail).toMatch(/^no Secret Service answered: /);
      const sealed = await callInChild(env, CHILD, 'sealOnly', ['ks-none']);
      expect(sealed).toMatchObject({ ok: false, error: { name: 'KmsError', kind: 'UNAVAILABLE' } });
    });
  }
});
