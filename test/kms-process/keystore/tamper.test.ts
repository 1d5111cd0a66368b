// Tampering with the keystore file while the KMS is stopped: every edit is TAMPERED (or CORRUPT where SQLite
// itself refuses), never a wrong result; an edited passphrase-wrapped copy too, since issue 13's unseal check (it
// was WRONG_SECRET before). test/reliability/byteSweep does the same for every byte.
import Database from 'better-sqlite3';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir } from '../../helpers/kms.js';

const DATA = b64u('pay 1 coin to alice');
let pristine: string;
let keyA: string;
let keyB: string;
let expectedSig: string;

beforeAll(async () => {
  const k = await startInitializedKms();
  keyA = (await k.client.call('keys.generate', { algorithm: 'ed25519', label: 'A' })).id;
  keyB = (await k.client.call('keys.generate', { algorithm: 'ed25519', label: 'B' })).id;
  expectedSig = (await k.client.call('crypto.sign', { id: keyA, data: DATA })).signature;
  await k.client.call('keys.list', {});
  await k.client.call('kms.lock', {}); // flushes the audit batch
  await k.stop();
  pristine = k.dir;
});
afterAll(() => removeDir(pristine));

/** A copy of the pristine keystore with `edit` applied through SQL. */
function copyWith(edit: (db: Database.Database) => void): string {
  const dir = tempDir();
  copyFileSync(join(pristine, 'keystore.sqlite'), join(dir, 'keystore.sqlite'));
  const db = new Database(join(dir, 'keystore.sqlite'));
  edit(db);
  db.close();
  return dir;
}

function flip(buf: Buffer, i = 0): Buffer {
  const out = Buffer.from(buf);
  out[i % out.length]! ^= 0x01;
  return out;
}

async function unlockAndSign(dir: string): Promise<string> {
  const k = await startKms({ dir });
  try {
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const r = await k.client.call('crypto.sign', { id: keyA, data: DATA });
    return r.signature === expectedSig ? 'same signature' : 'DIFFERENT SIGNATURE';
  } catch (e) {
    return (e as { kind: string }).kind;
  } finally {
    await k.stop();
    removeDir(dir);
  }
}

describe('key records', () => {
  it('a flipped byte in a key ciphertext is TAMPERED', async () => {
    const dir = copyWith((db) => {
      const ct = db.prepare('SELECT secret_ct FROM keys WHERE id = ?').pluck().get(keyA) as Buffer;
      db.prepare('UPDATE keys SET secret_ct = ? WHERE id = ?').run(flip(ct, 5), keyA);
    });
    expect(await unlockAndSign(dir)).toBe('TAMPERED');
  });

  it('an edited policy is TAMPERED', async () => {
    const dir = copyWith((db) =>
      db.prepare('UPDATE keys SET policy = ? WHERE id = ?').run(JSON.stringify({ purposes: ['sign', 'verify'], exportable: true, requiresApproval: false }), keyA),
    );
    expect(await unlockAndSign(dir)).toBe('TAMPERED');
  });

  it('an edited label (a column with no secret) is TAMPERED in get and list', async () => {
    const dir = copyWith((db) => db.prepare("UPDATE keys SET label = 'evil' WHERE id = ?").run(keyB));
    const k = await startKms({ dir });
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await kindOf(k.client.call('keys.get', { id: keyB }))).toBe('TAMPERED');
    expect(await kindOf(k.client.call('keys.list', {}))).toBe('TAMPERED');
    expect((await k.client.call('keys.get', { id: keyA })).label).toBe('A'); // the untouched key still works
    await k.stop();
    removeDir(dir);
  });

  it("a key's ciphertext moved under another id is TAMPERED", async () => {
    const dir = copyWith((db) => {
      const b = db.prepare('SELECT secret_iv, secret_ct, mac FROM keys WHERE id = ?').get(keyB) as Record<string, Buffer>;
      db.prepare('UPDATE keys SET secret_iv = ?, secret_ct = ?, mac = ? WHERE id = ?').run(b.secret_iv, b.secret_ct, b.mac, keyA);
    });
    expect(await unlockAndSign(dir)).toBe('TAMPERED');
  });
});

describe('keystore metadata and sealers', () => {
  it('an edited unlock policy or generation counter is TAMPERED at unlock', async () => {
    for (const [k, v] of [['unlock_policy', 'all'], ['generation', '1']]) {
      const dir = copyWith((db) => db.prepare('UPDATE meta SET v = ? WHERE k = ?').run(v, k));
      expect(await unlockAndSign(dir)).toMatch(/TAMPERED/);
    }
  });

  it('lowered Argon2 parameters, an edited salt and a flipped sealed copy are TAMPERED (WRONG_SECRET when the digest is redone)', async () => {
    const lowered = copyWith((db) => {
      const p = JSON.parse(db.prepare("SELECT params FROM sealers WHERE kind = 'passphrase'").pluck().get() as string);
      db.prepare("UPDATE sealers SET params = ? WHERE kind = 'passphrase'").run(JSON.stringify({ ...p, m: 1024, t: 1 }));
    });
    expect(await unlockAndSign(lowered)).toBe('TAMPERED');
    const salted = copyWith((db) => {
      const p = JSON.parse(db.prepare("SELECT params FROM sealers WHERE kind = 'passphrase'").pluck().get() as string);
      db.prepare("UPDATE sealers SET params = ? WHERE kind = 'passphrase'").run(JSON.stringify({ ...p, salt: b64u('0123456789abcdef') }));
    });
    // The sealer rows' digest (written with them) tells a damaged or edited copy from a wrong passphrase...
    expect(await unlockAndSign(salted)).toBe('TAMPERED');
    const flipped = copyWith((db) => {
      const blob = db.prepare("SELECT blob FROM sealers WHERE kind = 'passphrase'").pluck().get() as Buffer;
      db.prepare("UPDATE sealers SET blob = ? WHERE kind = 'passphrase'").run(flip(blob, 20));
    });
    const k = await startKms({ dir: flipped });
    expect(await kindOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('TAMPERED');
    // Status still answers, and no failed attempt was counted: the damage was found before any unseal.
    expect(await k.client.call('kms.status', { probe: false })).toMatchObject({ state: 'locked', failedAttempts: 0 });
    await k.stop();
    removeDir(flipped);
    // ...but it is no MAC: an editor who redoes it gets what GCM says, the same as a wrong passphrase.
    const redone = copyWith((db) => {
      const p = JSON.parse(db.prepare("SELECT params FROM sealers WHERE kind = 'passphrase'").pluck().get() as string);
      db.prepare("UPDATE sealers SET params = ? WHERE kind = 'passphrase'").run(JSON.stringify({ ...p, salt: b64u('0123456789abcdef') }));
      db.prepare("DELETE FROM meta WHERE k = 'sealers_sha256'").run();
      db.prepare("DELETE FROM meta WHERE k = 'unseal_check'").run();
    });
    expect(await unlockAndSign(redone)).toMatch(/^(WRONG_SECRET|TAMPERED)$/);
  });
});

describe('the audit log', () => {
  async function verdict(dir: string) {
    const k = await startKms({ dir });
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    const v = await k.client.call('audit.verify', {});
    await k.stop();
    removeDir(dir);
    return v;
  }

  it('verifies when untouched', async () => {
    const v = await verdict(copyWith(() => {}));
    expect(v.ok).toBe(true);
    expect(v.entries).toBeGreaterThanOrEqual(5);
  });

  it('finds an edited, a removed, a reordered and a truncated entry', async () => {
    const edited = await verdict(copyWith((db) => db.prepare("UPDATE audit SET outcome = 'APPROVAL_DENIED' WHERE seq = 3").run()));
    expect(edited).toMatchObject({ ok: false, firstBadSeq: 3 });
    const removed = await verdict(copyWith((db) => db.prepare('DELETE FROM audit WHERE seq = 2').run()));
    expect(removed.ok).toBe(false);
    const reordered = await verdict(
      copyWith((db) => {
        db.prepare('UPDATE audit SET seq = 1000 WHERE seq = 2').run();
        db.prepare('UPDATE audit SET seq = 2 WHERE seq = 3').run();
        db.prepare('UPDATE audit SET seq = 3 WHERE seq = 1000').run();
      }),
    );
    expect(reordered).toMatchObject({ ok: false, firstBadSeq: 2 });
    const truncated = await verdict(copyWith((db) => db.prepare('DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)').run()));
    expect(truncated.ok).toBe(false);
  });
});

describe('raw bytes of the file', () => {
  it('a flipped byte anywhere never gives a wrong result', async () => {
    const file = readFileSync(join(pristine, 'keystore.sqlite'));
    const outcomes = new Map<string, number>();
    // Deterministic spread of offsets over the whole file (header, b-tree pages, payloads).
    const flips = 24;
    for (let i = 0; i < flips; i++) {
      const offset = Math.floor(((i * 7919) % flips) * (file.length / flips)) + ((i * 131) % 97);
      const dir = tempDir();
      writeFileSync(join(dir, 'keystore.sqlite'), flip(file, offset));
      const outcome = await unlockAndSign(dir);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect(outcomes.has('DIFFERENT SIGNATURE')).toBe(false);
    for (const kind of outcomes.keys()) {
      // A damaged file is TAMPERED or CORRUPT (issue 9): not a wrong passphrase, an empty keystore or a missing key.
      expect(['same signature', 'TAMPERED', 'CORRUPT']).toContain(kind);
    }
  }, 180_000);
});
