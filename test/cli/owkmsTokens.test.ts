// `owkms` with PKCS#11 tokens against a SoftHSM2 made for this run: tokens list, a key generated on the token with
// the PIN from $OWKMS_PIN, signing from stdin (checked with node:crypto), and a keystore sealed by the token.
// Each command is the real bin/owkms.js in its own session (no terminal to prompt on), as a script would run it.
import { spawn } from 'node:child_process';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { PASSPHRASE, removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { startSoftHsm, type SoftHsm, type SoftHsmToken } from '../services/softhsm.js';

const OWKMS = fileURLToPath(new URL('../../bin/owkms.js', import.meta.url));
const YKCS11 = '/usr/lib/x86_64-linux-gnu/libykcs11.so';

let hsm: SoftHsm;
let home: string;
const dirs: string[] = [];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run owkms with only the variables a user would set (no inherited OWKMS_*), detached from any terminal so a missing
 * secret fails instead of prompting.
 */
function owkms(args: string[], opts: { env?: Record<string, string>; stdin?: string | Buffer } = {}): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, SOFTHSM2_CONF: hsm.confPath, ...opts.env };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OWKMS, ...args], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? '');
  });
}

/** `--json` output: exactly one JSON value on stdout. */
function json<T = Record<string, unknown>>(run: Run): T {
  const lines = run.stdout.trim().split('\n');
  expect(lines, `one JSON line on stdout; stderr: ${run.stderr}`).toHaveLength(1);
  return JSON.parse(lines[0]!) as T;
}

function expectError(run: Run, kind: string): { kind: string; message: string } {
  expect(run.code, run.stderr).toBe(1);
  const out = json<{ error: { kind: string; message: string } }>(run);
  expect(out.error.kind).toBe(kind);
  return out.error;
}

function ok<T = Record<string, unknown>>(run: Run): T {
  expect(run.code, `exit code; stdout: ${run.stdout} stderr: ${run.stderr}`).toBe(0);
  return json<T>(run);
}

function token(label: string): SoftHsmToken {
  return hsm.tokens.find((t) => t.label === label)!;
}

function store(): string {
  const d = tempDir('owkms-cli-p11-');
  dirs.push(d);
  return d;
}

beforeAll(async () => {
  hsm = await startSoftHsm(['cli-keys', 'cli-seal'], { setProcessEnv: false });
  home = tempDir('owkms-cli-home-');
  dirs.push(home);
});

afterAll(async () => {
  for (const d of dirs) removeDir(d);
  await hsm?.cleanup();
});

describe('owkms tokens and token keys', () => {
  let dir: string;
  let key: KeyInfo;
  const secrets = () => ({ OWKMS_PASSPHRASE: PASSPHRASE, OWKMS_PIN: token('cli-keys').pin });

  beforeAll(async () => {
    dir = store();
    ok(await owkms(['--store', dir, '--json', 'init', '--seal', 'passphrase'], { env: { OWKMS_PASSPHRASE: PASSPHRASE } }));
  });

  it('tokens list --json shows the SoftHSM tokens and the ykcs11 module without a token', async () => {
    const list = ok<{ modules: Array<{ path: string; profile: string; loaded: boolean; error?: string }>; tokens: Array<Record<string, unknown>> }>(
      await owkms(['--store', dir, '--json', 'tokens', 'list']),
    );
    for (const t of hsm.tokens) {
      expect(list.tokens.find((x) => x.serial === t.serial)).toMatchObject({
        label: t.label,
        profile: 'softhsm2',
        flags: expect.arrayContaining(['loginRequired', 'tokenInitialized']),
        pin: expect.objectContaining({ loggedIn: false, kmsFailures: 0 }),
        mechanisms: expect.arrayContaining(['CKM_ECDSA']),
      });
    }
    const yk = list.modules.find((m) => m.path === YKCS11);
    expect(yk, `${YKCS11} is not listed: install the Debian package ykcs11`).toMatchObject({ profile: 'ykcs11', loaded: true });
    expect(yk!.error).toMatch(/PC\/SC/);
    expect(list.tokens.filter((x) => x.module === YKCS11)).toEqual([]);
  });

  it('keys generate --provider pkcs11:SERIAL takes the PIN from OWKMS_PIN; a wrong PIN is WRONG_SECRET', async () => {
    const t = token('cli-keys');
    const args = ['--store', dir, '--json', 'keys', 'generate', '--alg', 'p256', '--provider', `pkcs11:${t.serial}`, '--label', 'cli token key'];
    expectError(await owkms(args, { env: { OWKMS_PASSPHRASE: PASSPHRASE, OWKMS_PIN: `${t.pin}9` } }), 'WRONG_SECRET');

    key = ok<KeyInfo>(await owkms(args, { env: secrets() }));
    expect(key).toMatchObject({ algorithm: 'p256', provider: `pkcs11:${t.serial}`, exportable: false, label: 'cli token key' });
    expect(key.publicKey?.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
  });

  it('printf data | owkms sign ID --json: logs in to the key\'s token and signs; node:crypto verifies', async () => {
    expect(key, 'the key of the previous test').toBeDefined();
    const data = Buffer.from('signed by owkms on a SoftHSM token\n');
    const { signature } = ok<{ signature: string }>(await owkms(['--store', dir, '--json', 'sign', key.id], { env: secrets(), stdin: data }));
    const pub = createPublicKey({ key: key.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, unb64u(signature))).toBe(true);
    expect(nodeVerify('sha256', Buffer.from('other data'), { key: pub, dsaEncoding: 'ieee-p1363' }, unb64u(signature))).toBe(false);

    // Without the PIN, a token key cannot sign from a script (no prompt without a terminal), and says what is missing.
    const missing = expectError(await owkms(['--store', dir, '--json', 'sign', key.id], { env: { OWKMS_PASSPHRASE: PASSPHRASE }, stdin: data }), 'INVALID_REQUEST');
    expect(missing.message).toContain('OWKMS_PIN');
  });
});

describe('owkms init --seal pkcs11:SERIAL', () => {
  it('makes a token-sealed keystore that later commands unlock with the PIN alone', async () => {
    const t = token('cli-seal');
    const dir = store();
    const pin = { OWKMS_PIN: t.pin };
    const init = ok<{ state: string; keystoreId: string }>(await owkms(['--store', dir, '--json', 'init', '--seal', `pkcs11:${t.serial}`], { env: pin }));
    expect(init.state).toBe('unlocked');

    const status = ok<{ state: string; unlockNeeds: string[]; sealers: Array<{ kind: string; enrolled: boolean }> }>(
      await owkms(['--store', dir, '--json', 'status']),
    );
    expect(status).toMatchObject({ state: 'locked', unlockNeeds: ['pin'], keystoreId: init.keystoreId });
    expect(status.sealers.filter((s) => s.enrolled).map((s) => s.kind)).toEqual(['pkcs11']);

    expectError(await owkms(['--store', dir, '--json', 'keys', 'generate', '--alg', 'ed25519'], { env: { OWKMS_PIN: `${t.pin}9` } }), 'WRONG_SECRET');
    const key = ok<KeyInfo>(await owkms(['--store', dir, '--json', 'keys', 'generate', '--alg', 'ed25519'], { env: pin }));
    expect(key).toMatchObject({ algorithm: 'ed25519', provider: 'software' });
    const data = Buffer.from('unlocked by the token');
    const { signature } = ok<{ signature: string }>(await owkms(['--store', dir, '--json', 'sign', key.id], { env: pin, stdin: data }));
    expect(nodeVerify(null, data, createPublicKey({ key: key.publicKey!.jwk as never, format: 'jwk' }), unb64u(signature))).toBe(true);
  });
});
