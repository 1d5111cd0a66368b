// owkms with hardware sealing (DESIGN.md section 9, issue 4): `init --seal tpm --seal passphrase --unlock-policy all`
// against a real swtpm named by $OWKMS_TCTI (or --tcti), one-shot commands that unlock with both, and `sealers set`.
import { spawn } from 'node:child_process';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSPHRASE, removeDir, tempDir } from '../helpers/kms.js';
import { startSwtpm, type Swtpm } from '../services/swtpm.js';

const OWKMS = resolve(fileURLToPath(new URL('../../bin/owkms.js', import.meta.url)));

interface Run {
  code: number | null;
  json: Record<string, unknown> & { error?: { kind: string; message: string } };
  stderr: string;
}

/** Runs owkms in its own session (no terminal to prompt on) with exactly `env` plus PATH and a temporary HOME. */
function owkms(args: string[], env: Record<string, string>, stdin = ''): Promise<Run> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [OWKMS, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', rej);
    child.once('close', (code) => {
      const lines = out.trim().split('\n');
      try {
        expect(lines, `stdout must be exactly one JSON value: ${out}`).toHaveLength(1);
        res({ code, json: JSON.parse(lines[0]!) as Run['json'], stderr: err });
      } catch (e) {
        rej(new Error(`owkms ${args.join(' ')} -> exit ${code}, stdout ${JSON.stringify(out)}, stderr ${JSON.stringify(err)}: ${String(e)}`));
      }
    });
    child.stdin.end(stdin);
  });
}

let home: string;
let sw: Swtpm;
const dirs: string[] = [];

beforeAll(async () => {
  home = tempDir('owkms-cli-home-');
  mkdirSync(join(home, '.config'), { recursive: true });
  sw = await startSwtpm();
});
afterAll(async () => {
  await sw?.dispose();
  removeDir(home);
  for (const d of dirs) removeDir(d);
});

function store(): string {
  const d = tempDir('owkms-cli-store-');
  dirs.push(d);
  return d;
}

describe('owkms with the TPM sealer', () => {
  it('init --seal tpm --seal passphrase --unlock-policy all, then keys generate, sign and status', async () => {
    const dir = store();
    const env = { OWKMS_TCTI: sw.tcti, OWKMS_PASSPHRASE: PASSPHRASE };
    const init = await owkms(['--store', dir, '--json', 'init', '--seal', 'tpm', '--seal', 'passphrase', '--unlock-policy', 'all'], env);
    expect(init.code, init.stderr).toBe(0);
    expect(init.json).toMatchObject({ state: 'unlocked', keystoreId: expect.any(String) });

    const gen = await owkms(['--store', dir, '--json', 'keys', 'generate', '--alg', 'ed25519'], env);
    expect(gen.code, gen.stderr).toBe(0);
    expect(gen.json).toMatchObject({ id: expect.any(String), algorithm: 'ed25519', provider: 'software' });
    const id = gen.json.id as string;

    // Key ids are base64url and may start with '-': `--` ends the options.
    const signed = await owkms(['--store', dir, '--json', 'sign', '--', id], env, 'hello from the cli');
    expect(signed.code, signed.stderr).toBe(0);
    const pub = createPublicKey({ key: (gen.json.publicKey as { jwk: object }).jwk as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from('hello from the cli'), pub, Buffer.from(signed.json.signature as string, 'base64url'))).toBe(true);

    const status = await owkms(['--store', dir, '--json', 'status'], env);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json).toMatchObject({ state: 'locked', keystoreId: init.json.keystoreId, unlockPolicy: 'all', unlockNeeds: ['passphrase'] });
    const sealers = status.json.sealers as Array<{ kind: string; enrolled: boolean; available: boolean; detail?: string }>;
    expect(sealers.filter((s) => s.enrolled).map((s) => s.kind).sort()).toEqual(['passphrase', 'tpm']);
    const tpm = sealers.find((s) => s.kind === 'tpm')!;
    expect(tpm.available).toBe(true);
    expect(tpm.detail).toMatch(/^TPM 2\.0 IBM .* fw \d+\.\d+/);
    expect(tpm.detail).toContain(sw.tcti);

    // Both are needed: a wrong passphrase, or the right one with no TPM at the other end, fails with the typed error.
    const wrong = await owkms(['--store', dir, '--json', 'keys', 'list'], { ...env, OWKMS_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(1);
    expect(wrong.json.error?.kind).toBe('WRONG_SECRET');
    const noTpm = await owkms(['--store', dir, '--json', 'keys', 'list'], { ...env, OWKMS_TCTI: 'swtpm:host=127.0.0.1,port=1' });
    expect(noTpm.code).toBe(1);
    expect(noTpm.json.error?.kind).toBe('UNAVAILABLE');
    expect(noTpm.json.error?.message).toMatch(/TPM/);
    const list = await owkms(['--store', dir, '--json', 'keys', 'list'], env);
    expect(list.code, list.stderr).toBe(0);
    expect((list.json.keys as Array<{ id: string }>).map((k) => k.id)).toEqual([id]);
  });

  it('init --seal tpm --tcti T works without $OWKMS_TCTI; sealers set adds the TPM to a passphrase keystore', async () => {
    const tpmOnly = store();
    const init = await owkms(['--store', tpmOnly, '--json', 'init', '--seal', 'tpm', '--tcti', sw.tcti], {});
    expect(init.code, JSON.stringify(init.json)).toBe(0);
    expect(init.json.state).toBe('unlocked');
    // Later runs find the TPM at the TCTI stored with the sealed copy and need no secret.
    const gen = await owkms(['--store', tpmOnly, '--json', 'keys', 'generate', '--alg', 'ed25519'], {});
    expect(gen.code, JSON.stringify(gen.json)).toBe(0);
    expect(gen.json.algorithm).toBe('ed25519');
    const tpmStatus = await owkms(['--store', tpmOnly, '--json', 'status'], {});
    expect((tpmStatus.json.sealers as Array<{ kind: string }>).find((s) => s.kind === 'tpm'))
      .toMatchObject({ enrolled: true, available: true, detail: expect.stringContaining(sw.tcti) });

    const dir = store();
    const NEW = 'the new passphrase';
    expect((await owkms(['--store', dir, '--json', 'init', '--seal', 'passphrase'], { OWKMS_PASSPHRASE: PASSPHRASE })).code).toBe(0);
    const key = await owkms(['--store', dir, '--json', 'keys', 'generate', '--alg', 'ed25519'], { OWKMS_PASSPHRASE: PASSPHRASE });
    expect(key.code, JSON.stringify(key.json)).toBe(0);
    const id = key.json.id as string;
    const set = await owkms(['--store', dir, '--json', 'sealers', 'set', '--seal', 'passphrase', '--seal', 'tpm', '--tcti', sw.tcti],
      { OWKMS_PASSPHRASE: PASSPHRASE, OWKMS_NEW_PASSPHRASE: NEW });
    expect(set.code, JSON.stringify(set.json)).toBe(0);
    expect(set.json).toEqual({ sealers: ['passphrase', 'tpm'], unlockPolicy: 'any' });

    // Now the TPM unlocks on its own (no secret, no $OWKMS_TCTI); the old passphrase no longer opens anything.
    const byTpm = await owkms(['--store', dir, '--json', 'keys', 'show', '--', id], {});
    expect(byTpm.code, JSON.stringify(byTpm.json)).toBe(0);
    expect(byTpm.json.id).toBe(id);
    const status = await owkms(['--store', dir, '--json', 'status'], {});
    expect(status.json).toMatchObject({ state: 'locked', unlockPolicy: 'any', unlockNeeds: [] });
    const oldPass = await owkms(['--store', dir, '--json', 'sealers', 'set', '--seal', 'passphrase'],
      { OWKMS_PASSPHRASE: PASSPHRASE, OWKMS_NEW_PASSPHRASE: 'yet another passphrase' });
    // Unlocked through the TPM, then re-authenticated with the old passphrase: refused, nothing changed.
    expect(oldPass.code).toBe(1);
    expect(oldPass.json.error?.kind).toBe('WRONG_SECRET');
    const still = await owkms(['--store', dir, '--json', 'status'], {});
    expect((still.json.sealers as Array<{ kind: string; enrolled: boolean }>).filter((s) => s.enrolled).map((s) => s.kind).sort())
      .toEqual(['passphrase', 'tpm']);
  });
});
