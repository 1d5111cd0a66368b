// The app's backup and restore (main/core/backupFlows.ts) against real KMS processes with scripted prompts and a
// file chooser standing in for the OS's dialogs: a wallet backed up from one store comes back in another, signing
// the same bytes; the passphrase is asked in the backup prompt and checked in main; what the renderer gets back
// holds no part of the encrypted file; a cancel anywhere writes nothing; a wrong backup passphrase is asked again;
// an edited file or a store that is not empty ends the flow with its typed error and nothing written.
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestedBackupName, type BackupFiles } from '../../../main/core/backupFlows.js';
import type { WalletReply } from '../../../main/core/wire.js';
import { startCore, TOP, type CoreFixture } from './brokerFixture.js';
import { cancel, submit } from './scriptedPrompts.js';

const PASS = 'backup flows unlock passphrase';
const BACKUP_PASS = 'a long backup passphrase, kept apart';
const NEW_PASS = 'the restored wallet passphrase';

/** A chooser a test steers: the next answers of the save and open dialogs (undefined = the user cancelled). */
class Chooser implements BackupFiles {
  save: Array<string | undefined> = [];
  open: Array<string | undefined> = [];
  suggested: string[] = [];
  async chooseSave(name: string) {
    this.suggested.push(name);
    return this.save.shift();
  }
  async chooseOpen() {
    return this.open.shift();
  }
}

const call = (f: CoreFixture, method: string, params?: unknown) => f.core.broker.handle(TOP, params === undefined ? { method } : { method, params });
async function ok<T>(f: CoreFixture, method: string, params?: unknown): Promise<T> {
  const r = await call(f, method, params);
  if (!r.ok) throw new Error(`${method}: ${r.error.kind} ${r.error.message}`);
  return r.result as T;
}
const kindOf = (r: WalletReply) => (r.ok ? 'ok' : r.error.kind);

/** Every 24-character window of the file's base64url text: none may appear in anything the renderer got. */
function windowsOf(file: Buffer): string[] {
  const text = file.toString('base64url');
  const out: string[] = [];
  for (let i = 0; i + 24 <= text.length; i += 12) out.push(text.slice(i, i + 24));
  return out;
}

describe('backup to a file and restore from one, in the app', () => {
  const dir = mkdtempSync(join(tmpdir(), 'owkms-app-backups-'));
  const files = new Chooser();
  let a: CoreFixture;
  let b: CoreFixture;
  const keys: Array<{ id: string; algorithm: string }> = [];
  let signature = '';
  const publicKeys = new Map<string, unknown>();
  const data = Buffer.from('signed before and after').toString('base64url');

  beforeAll(async () => {
    a = await startCore({ files });
    b = await startCore({ files });
  }, 60_000);
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('there is nothing to back up before the wallet exists; the flow takes no params', async () => {
    expect(kindOf(await call(a, 'flow.backup'))).toBe('NOT_INITIALIZED');
    expect(kindOf(await call(a, 'flow.backup', { backupPassphrase: BACKUP_PASS }))).toBe('INVALID_REQUEST');
    expect(a.prompts.opened).toBe(0);
  });

  it('backs up: the passphrase is checked in the prompt, the file is written whole, the renderer learns counts and the path', async () => {
    a.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await ok(a, 'flow.createWallet');
    for (const algorithm of ['ed25519', 'secp256k1', 'hd-seed', 'aes-256']) keys.push(await ok(a, 'keys.generate', { algorithm, label: algorithm }));
    await ok(a, 'keys.rotate', { id: keys[3]!.id });
    signature = (await ok<{ signature: string }>(a, 'crypto.sign', { id: keys[0]!.id, data })).signature;
    for (const k of keys) publicKeys.set(k.id, (await ok<{ publicKey?: unknown }>(a, 'keys.get', { id: k.id })).publicKey);

    const turns = [submit({ backupPassphrase: 'too short', confirm: 'too short' }), submit({ backupPassphrase: BACKUP_PASS, confirm: `${BACKUP_PASS}!` }), submit({ backupPassphrase: BACKUP_PASS, confirm: BACKUP_PASS })];
    a.prompts.script('backup', (_v, turn) => turns[turn]!);
    const target = join(dir, 'first.owkmsbak');
    files.save.push(target);
    const r = await call(a, 'flow.backup');
    expect(r.ok).toBe(true);
    const saved = (r as { result: Record<string, unknown> }).result;
    const file = readFileSync(target);
    expect(saved).toMatchObject({ saved: true, file: target, bytes: file.length, keys: 4, versions: 1, remotes: 0 });
    expect(Object.keys(saved).sort()).toEqual(['bytes', 'createdAt', 'file', 'keys', 'remotes', 'saved', 'versions']);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    expect(file.subarray(0, 8).toString('latin1')).toBe('OWKMSBAK');
    const views = a.prompts.shown.filter((s) => s.kind === 'backup').map((s) => s.view);
    expect(views.map((v) => v.error)).toEqual([undefined, 'Use at least 12 characters: the file can be attacked offline.', 'The two passphrases differ.']);
    expect(views[0]).toMatchObject({ purpose: 'backup', minLength: 12 });
    expect(files.suggested.at(-1)).toBe(suggestedBackupName());
    // main made the backup as app, once (the short and differing passphrases never reached the KMS).
    expect(a.forwarded.filter((x) => x.method === 'kms.backup')).toEqual([{ method: 'kms.backup', caller: 'app' }]);
    const reply = JSON.stringify(r);
    for (const w of windowsOf(file)) expect(reply).not.toContain(w);
    expect(reply).not.toContain(BACKUP_PASS);
    expect(readdirSync(dir)).toEqual(['first.owkmsbak']); // no partial file left beside it
  }, 60_000);

  it('a cancel in the prompt or in the save dialog writes nothing', async () => {
    a.prompts.script('backup', () => cancel);
    expect(await ok(a, 'flow.backup')).toEqual({ saved: false });
    a.prompts.script('backup', () => submit({ backupPassphrase: BACKUP_PASS, confirm: BACKUP_PASS }));
    files.save.push(undefined);
    expect(await ok(a, 'flow.backup')).toEqual({ saved: false });
    expect(readdirSync(dir)).toEqual(['first.owkmsbak']);
  }, 60_000);

  it('a locked wallet is not backed up, and no prompt opens', async () => {
    await ok(a, 'kms.lock', {});
    const opened = a.prompts.opened;
    expect(kindOf(await call(a, 'flow.backup'))).toBe('LOCKED');
    expect(a.prompts.opened).toBe(opened);
  }, 60_000);

  it('an edited backup is refused and the empty store stays empty', async () => {
    const edited = Buffer.from(readFileSync(join(dir, 'first.owkmsbak')));
    edited[edited.length - 40]! ^= 0x01;
    writeFileSync(join(dir, 'edited.owkmsbak'), edited);
    files.open.push(join(dir, 'edited.owkmsbak'));
    b.prompts.script('backup', () => submit({ backupPassphrase: BACKUP_PASS }));
    b.prompts.script('create', () => submit({ passphrase: NEW_PASS, confirm: NEW_PASS }));
    expect(['TAMPERED', 'CORRUPT']).toContain(kindOf(await call(b, 'flow.restoreBackup', { sealers: ['passphrase'] })));
    expect(await ok(b, 'kms.status', { probe: false })).toMatchObject({ state: 'uninitialized' });
    // Cancelling the open dialog ends the flow before any prompt.
    files.open.push(undefined);
    const opened = b.prompts.opened;
    expect(await ok(b, 'flow.restoreBackup', { sealers: ['passphrase'] })).toEqual({ state: 'uninitialized' });
    expect(b.prompts.opened).toBe(opened);
  }, 60_000);

  it('restores into an empty store: a wrong backup passphrase is asked again; the keys sign as before; the new passphrase unlocks', async () => {
    files.open.push(join(dir, 'first.owkmsbak'));
    const turns = [submit({ backupPassphrase: 'not the backup passphrase' }), submit({ backupPassphrase: BACKUP_PASS })];
    let turn = 0;
    // The backup passphrase is asked in one window, then again in a new one after the KMS said it was wrong.
    b.prompts.script('backup', () => turns[turn++]!);
    b.prompts.script('create', () => submit({ passphrase: NEW_PASS, confirm: NEW_PASS }));
    b.prompts.script('backup', () => turns[turn++]!);
    const before = b.events.length;
    const r = await ok<Record<string, unknown>>(b, 'flow.restoreBackup', { sealers: ['passphrase'] });
    expect(r).toMatchObject({ state: 'unlocked', keys: 4, versions: 1, remotes: 0 });
    expect(typeof r.backedUpAt).toBe('string');
    const views = b.prompts.shown.filter((s) => s.kind === 'backup').map((s) => s.view);
    expect(views.at(-2)).toMatchObject({ purpose: 'restore', file: 'first.owkmsbak' });
    expect(views.at(-1)).toMatchObject({ purpose: 'restore', error: 'Wrong backup passphrase.' });
    expect(b.prompts.shown.filter((s) => s.kind === 'create').at(-1)!.view).toMatchObject({ purpose: 'restore' });
    expect(b.events.slice(before)).toContainEqual({ type: 'unlocked' });
    expect(b.forwarded.filter((x) => x.method === 'kms.restore').every((x) => x.caller === 'app')).toBe(true);

    const listed = (await ok<{ keys: Array<{ id: string; algorithm: string }> }>(b, 'keys.list', {})).keys;
    expect(listed.map((k) => k.id).sort()).toEqual(keys.map((k) => k.id).sort());
    for (const k of keys) expect((await ok<{ publicKey?: unknown }>(b, 'keys.get', { id: k.id })).publicKey, k.algorithm).toEqual(publicKeys.get(k.id));
    // Ed25519 is deterministic: the same key signs the same bytes.
    expect((await ok<{ signature: string }>(b, 'crypto.sign', { id: keys[0]!.id, data })).signature).toBe(signature);

    // The restored wallet's own passphrase unlocks it; the backup passphrase does not.
    await ok(b, 'kms.lock', {});
    b.prompts.script('unlock', (_v, t) => submit({ passphrase: t === 0 ? BACKUP_PASS : NEW_PASS }));
    expect(await ok(b, 'flow.unlock')).toEqual({ state: 'unlocked' });
    expect(b.prompts.shown.filter((s) => s.kind === 'unlock').at(-1)!.view.error).toMatch(/^Wrong passphrase/);

    // A store that holds a wallet takes no backup, and no dialog opens.
    files.open.push(join(dir, 'first.owkmsbak'));
    expect(kindOf(await call(b, 'flow.restoreBackup', { sealers: ['passphrase'] }))).toBe('ALREADY_INITIALIZED');
    expect(files.open).toHaveLength(1);
    files.open.length = 0;
  }, 90_000);

  it('without file dialogs (a shell that has none) both flows answer UNAVAILABLE', async () => {
    const bare = await startCore();
    try {
      expect(kindOf(await bare.core.broker.handle(TOP, { method: 'flow.backup' }))).toBe('UNAVAILABLE');
      expect(kindOf(await bare.core.broker.handle(TOP, { method: 'flow.restoreBackup', params: { sealers: ['passphrase'] } }))).toBe('UNAVAILABLE');
    } finally {
      await bare.close();
    }
  }, 60_000);
});
