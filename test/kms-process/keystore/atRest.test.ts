// Finding 9 of issue 10, at rest: a store folder or file that is not the user's alone (owned by someone else,
// writable by group or others, a symlink in place of a store file) is refused with INSECURE_STORE before SQLite
// opens it, like ssh's StrictModes; a deleted key's ciphertext is gone from the database file and its WAL.
import Database from 'better-sqlite3';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { b64u, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir } from '../../helpers/kms.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

async function statusKind(dir: string): Promise<{ kind: string; message: string }> {
  const k = await startKms({ dir });
  try {
    await k.client.call('kms.status', { probe: false });
    return { kind: 'resolved', message: '' };
  } catch (e) {
    return { kind: (e as { kind: string }).kind, message: (e as Error).message };
  } finally {
    await k.stop();
  }
}

describe('the store folder must be the user’s own (StrictModes)', () => {
  it('a folder writable by group or others is INSECURE_STORE, naming the fix; 0700 and 0755 are fine', async () => {
    const dir = tempDir();
    dirs.push(dir);
    for (const mode of [0o777, 0o770, 0o702]) {
      chmodSync(dir, mode);
      const r = await statusKind(dir);
      expect(r.kind, mode.toString(8)).toBe('INSECURE_STORE');
      expect(r.message).toContain(`chmod go-w '${dir}'`);
    }
    for (const mode of [0o700, 0o755]) {
      chmodSync(dir, mode);
      expect((await statusKind(dir)).kind, mode.toString(8)).toBe('resolved');
    }
  });

  it('a folder owned by another user is INSECURE_STORE', async () => {
    let dir: string;
    if (process.getuid!() === 0) {
      dir = tempDir();
      dirs.push(dir);
      chownSync(dir, 65534, 65534); // nobody
    } else {
      dir = '/'; // owned by root, not by this user
    }
    const r = await statusKind(dir);
    expect(r.kind).toBe('INSECURE_STORE');
    expect(r.message).toMatch(/belongs to user/);
  });

  it('a store file writable by others, or a symlink in its place, is INSECURE_STORE', async () => {
    const k = await startInitializedKms();
    dirs.push(k.dir);
    await k.stop();
    const file = join(k.dir, 'keystore.sqlite');
    chmodSync(file, 0o666);
    expect((await statusKind(k.dir)).kind).toBe('INSECURE_STORE');
    chmodSync(file, 0o600);
    expect((await statusKind(k.dir)).kind).toBe('resolved');
    const elsewhere = tempDir();
    dirs.push(elsewhere);
    writeFileSync(join(elsewhere, 'target'), '');
    symlinkSync(join(elsewhere, 'target'), join(k.dir, 'keystore.sqlite-wal'));
    const r = await statusKind(k.dir);
    expect(r.kind).toBe('INSECURE_STORE');
    expect(r.message).toMatch(/symbolic link/);
  });

  it('a new store folder is made 0700 (by the parent that starts the KMS for kms.init; a status makes none)', async () => {
    const parent = tempDir();
    dirs.push(parent);
    const dir = join(parent, 'new', 'store');
    mkdirSync(join(parent, 'new'));
    expect((await statusKind(dir)).kind).toBe('resolved');
    expect(existsSync(dir)).toBe(false);
    const k = await startKms({ dir, createStore: true });
    try {
      await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    } finally {
      await k.stop();
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'keystore.sqlite')).mode & 0o777).toBe(0o600);
  });
});

describe('secure_delete', () => {
  it("a deleted key's ciphertext is in neither the database file nor its WAL, even while the KMS runs", async () => {
    const k = await startInitializedKms();
    dirs.push(k.dir);
    const keys = await Promise.all(Array.from({ length: 3 }, () => k.client.call('keys.import', { format: 'raw', algorithm: 'aes-256', data: b64u(Buffer.alloc(32, 7)) })));
    await k.restart(); // everything checkpointed into the file
    const db = new Database(join(k.dir, 'keystore.sqlite'), { readonly: true });
    const ciphertexts = keys.map((key) => db.prepare('SELECT secret_ct FROM keys WHERE id = ?').pluck().get(key.id) as Buffer);
    db.close();
    const present = () => {
      const bytes = ['keystore.sqlite', 'keystore.sqlite-wal'].map((f) => {
        try {
          return readFileSync(join(k.dir, f));
        } catch {
          return Buffer.alloc(0);
        }
      });
      return ciphertexts.map((ct) => bytes.some((b) => b.includes(ct)));
    };
    expect(present()).toEqual([true, true, true]);
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    await k.client.call('keys.delete', { id: keys[1]!.id });
    await k.client.call('keys.update', { id: keys[2]!.id, label: 're-encrypted' }); // the old ciphertext is replaced
    expect(present()).toEqual([true, false, false]);
    await k.stop();
    expect(present()).toEqual([true, false, false]);
  });
});
