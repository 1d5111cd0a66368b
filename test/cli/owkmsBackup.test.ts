// owkms backup / restore as a user runs them: the backup passphrase from $OWKMS_BACKUP_PASSPHRASE, from
// --backup-passphrase-file, or typed at a prompt without echo (twice for a backup; on a real pseudo-terminal made by
// util-linux's `script`); the file written whole with mode 0600 and never over an existing one; restored into an
// empty store, where the same key signs the same bytes; wrong passphrase, missing file and existing store refused.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../helpers/kms.js';
import { jsonOut, owkms, OWKMS_BIN, type OwkmsRun } from '../helpers/owkms.js';

const PASSPHRASE = 'owkms backup test passphrase';
const BACKUP_PASSPHRASE = 'the backup passphrase, long enough';
const work = tempDir('owkms-cli-bk-');
const storeA = join(work, 'a');
const ENV = { OWKMS_PASSPHRASE: PASSPHRASE, OWKMS_NO_AGENT: '1' };
let keyId = '';
let signature = '';

async function run(store: string, args: string[], env: Record<string, string> = {}, stdin?: string): Promise<OwkmsRun> {
  return owkms(['--store', store, '--json', ...args], { env: { ...ENV, ...env }, detached: true, timeoutMs: 60_000, ...(stdin !== undefined ? { stdin } : {}) });
}

async function ok(store: string, args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Record<string, unknown>> {
  const r = await run(store, args, env, stdin);
  expect(r.code, `${args.join(' ')}: ${r.stdout} ${r.stderr}`).toBe(0);
  return jsonOut(r);
}

async function fails(store: string, args: string[], kind: string, env: Record<string, string> = {}): Promise<string> {
  const r = await run(store, args, env);
  expect(r.code, `${args.join(' ')}: ${r.stdout} ${r.stderr}`).toBe(1);
  const e = jsonOut<{ error: { kind: string; message: string } }>(r).error;
  expect(e.kind).toBe(kind);
  return e.message;
}

/** owkms on a pseudo-terminal (util-linux `script`), typing `lines`; returns everything the terminal showed. */
function onTerminal(args: string[], lines: string[]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, OWKMS_BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work, ...ENV }, stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  child.stdout.on('data', (b: Buffer) => (screen += b.toString()));
  child.stderr.on('data', (b: Buffer) => (screen += b.toString()));
  let typed = 0;
  const typeNext = setInterval(() => {
    // One line each time the terminal shows a prompt (the answer must not arrive before echo is off).
    const prompts = screen.split('passphrase').length - 1;
    if (typed < lines.length && prompts > typed) child.stdin.write(`${lines[typed++]}\r`);
  }, 50);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(typeNext);
      resolve({ code, screen });
    });
  });
}

beforeAll(async () => {
  await ok(storeA, ['init', '--seal', 'passphrase']);
  keyId = (await ok(storeA, ['keys', 'generate', '--alg', 'ed25519', '--label', 'cli-backup'])).id as string;
  signature = (await ok(storeA, ['sign', keyId], {}, 'sign me')).signature as string;
}, 60_000);

afterAll(() => removeDir(work));

describe('owkms backup and restore', () => {
  it('backup --out writes the whole backup, 0600, and never over an existing file', async () => {
    const file = join(work, 'a.owkmsbak');
    const r = await ok(storeA, ['backup', '--out', file], { OWKMS_BACKUP_PASSPHRASE: BACKUP_PASSPHRASE });
    expect(r).toMatchObject({ file, keys: 1, versions: 0, remotes: 0, bytes: statSync(file).size });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8).toString()).toBe('OWKMSBAK');
    await fails(storeA, ['backup', '--out', file], 'INVALID_REQUEST', { OWKMS_BACKUP_PASSPHRASE: BACKUP_PASSPHRASE });
    expect(readFileSync(file).equals(bytes)).toBe(true);
    // No --out: a usage error (exit 2), before a KMS starts.
    const noOut = await run(storeA, ['backup'], { OWKMS_BACKUP_PASSPHRASE: BACKUP_PASSPHRASE });
    expect([noOut.code, jsonOut<{ error: { kind: string; message: string } }>(noOut).error.message]).toEqual([2, 'backup needs --out FILE']);
    // No passphrase given and no terminal to ask on: refused, nothing written.
    expect(await fails(storeA, ['backup', '--out', join(work, 'none.owkmsbak')], 'INVALID_REQUEST')).toContain('OWKMS_BACKUP_PASSPHRASE');
    expect(existsSync(join(work, 'none.owkmsbak'))).toBe(false);
  });

  it('restore --in (passphrase from a file) gives the same key, signing the same bytes; refusals are typed', async () => {
    const file = join(work, 'a.owkmsbak');
    const passFile = join(work, 'backup-pass');
    writeFileSync(passFile, `${BACKUP_PASSPHRASE}\n`, { mode: 0o600 });
    const storeB = join(work, 'b');
    await fails(storeB, ['restore', '--in', file], 'WRONG_SECRET', { OWKMS_BACKUP_PASSPHRASE: 'a wrong backup passphrase' });
    await fails(storeB, ['restore', '--in', join(work, 'missing.owkmsbak')], 'INVALID_REQUEST', { OWKMS_BACKUP_PASSPHRASE: BACKUP_PASSPHRASE });
    const r = await ok(storeB, ['restore', '--in', file, '--backup-passphrase-file', passFile, '--seal', 'passphrase']);
    expect(r).toMatchObject({ state: 'unlocked', keys: 1 });
    expect((await ok(storeB, ['sign', keyId], {}, 'sign me')).signature).toBe(signature);
    await fails(storeB, ['restore', '--in', file, '--backup-passphrase-file', passFile], 'ALREADY_INITIALIZED');
    const cut = join(work, 'cut.owkmsbak');
    writeFileSync(cut, readFileSync(file).subarray(0, 100));
    await fails(join(work, 'c'), ['restore', '--in', cut], 'CORRUPT', { OWKMS_BACKUP_PASSPHRASE: BACKUP_PASSPHRASE });
  });

  it('asks for the backup passphrase on the terminal without echo, twice for a backup', async () => {
    const file = join(work, 'typed.owkmsbak');
    const mismatch = await onTerminal(['--store', storeA, 'backup', '--out', file], ['first backup passphrase', 'another backup passphrase']);
    expect(mismatch.code).toBe(1);
    expect(mismatch.screen).toContain('differ');
    expect(existsSync(file)).toBe(false);
    const typed = await onTerminal(['--store', storeA, 'backup', '--out', file], [BACKUP_PASSPHRASE, BACKUP_PASSPHRASE]);
    expect(typed.code, typed.screen).toBe(0);
    expect(typed.screen).toContain('Backup passphrase again');
    expect(typed.screen).not.toContain(BACKUP_PASSPHRASE);
    const storeD = join(work, 'd');
    const restored = await onTerminal(['--store', storeD, 'restore', '--in', file], [BACKUP_PASSPHRASE]);
    expect(restored.code, restored.screen).toBe(0);
    expect(restored.screen).not.toContain(BACKUP_PASSPHRASE);
    expect((await ok(storeD, ['sign', keyId], {}, 'sign me')).signature).toBe(signature);
  });
});
