// Backups that must not restore: a wrong passphrase (WRONG_SECRET), every truncation and every flipped byte of a
// backup file (CORRUPT, or UNSUPPORTED where the flip makes a newer format version), edits made by someone who
// recomputed the checksum (TAMPERED; WRONG_SECRET where the KDF salt was changed), a newer format (UNSUPPORTED), the
// header of one backup spliced onto the body of another made with the same passphrase (TAMPERED), a restore into a
// store that holds a keystore (ALREADY_INITIALIZED), callers that never get a backup (POLICY_DENIED), a sealer that
// is not there (UNAVAILABLE). After all of them the store's files are byte for byte what they were, and the good
// backup still restores.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir, unb64u, type TestKms } from '../helpers/kms.js';

const P = 'backup passphrase one two three';
let a: TestKms;
let b: TestKms;
let good: Buffer;
let other: Buffer;
const dirs: string[] = [];

const PREFIX = 18;
const headerLength = (f: Buffer) => f.readUInt32BE(10);
/** Recompute the unkeyed checksum, as someone editing the file on purpose would. */
function resum(f: Buffer): Buffer {
  const out = Buffer.from(f);
  createHash('sha256').update(out.subarray(0, out.length - 32)).digest().copy(out, out.length - 32);
  return out;
}
function flip(f: Buffer, at: number, mask = 0x01): Buffer {
  const out = Buffer.from(f);
  out[at]! ^= mask;
  return out;
}

function storeDigest(dir: string): string {
  const h = createHash('sha256');
  for (const name of readdirSync(dir).sort()) {
    if (name === 'keystore.lock') continue; // names the process that holds the store, rewritten at each start
    h.update(name).update(readFileSync(`${dir}/${name}`));
  }
  return h.digest('hex');
}

const restore = (file: Buffer, passphrase = P, sealers: unknown[] = [{ kind: 'passphrase', passphrase: PASSPHRASE }]) =>
  kindOf(b.client.call('kms.restore', { backup: b64u(file), backupPassphrase: passphrase, sealers: sealers as never }));

let before = '';

beforeAll(async () => {
  a = await startInitializedKms({ callers: ['test', 'ui', 'rest', 'pkcs11'] });
  dirs.push(a.dir);
  for (const algorithm of ['ed25519', 'aes-256', 'hd-seed'] as const) await a.client.call('keys.generate', { algorithm });
  good = unb64u((await a.client.call('kms.backup', { backupPassphrase: P })).backup);
  await a.client.call('keys.generate', { algorithm: 'p256' });
  other = unb64u((await a.client.call('kms.backup', { backupPassphrase: P })).backup);
  const dir = tempDir('owkms-bkr-');
  dirs.push(dir);
  b = await startKms({ dir, callers: ['test', 'ui', 'rest', 'pkcs11'] });
  await b.client.call('kms.status', { probe: false }); // the store is open (and made, if this KMS makes it at start)
  await b.stop();
  before = storeDigest(dir);
  await b.restart();
}, 60_000);

afterAll(async () => {
  await a?.stop();
  await b?.stop();
  for (const d of dirs) removeDir(d);
});

describe('restoring a backup that must not restore', () => {
  it('a wrong passphrase is WRONG_SECRET; a short backup passphrase is refused when making one', async () => {
    expect(await restore(good, 'not the backup passphrase')).toBe('WRONG_SECRET');
    expect(await kindOf(a.client.call('kms.backup', { backupPassphrase: 'too short' }))).toBe('INVALID_REQUEST');
  });

  it('every truncation is CORRUPT, and so are bytes appended', async () => {
    const lengths = new Set([0, 1, 7, 8, 9, 10, 13, 17, 18, PREFIX + headerLength(good) - 1, PREFIX + headerLength(good), good.length - 65, good.length - 33, good.length - 32, good.length - 1]);
    for (let n = 0; n < good.length; n += 97) lengths.add(n);
    for (const n of lengths) expect(await restore(good.subarray(0, n)), `${n} bytes`).toBe('CORRUPT');
    expect(await restore(Buffer.concat([good, Buffer.from([0])]))).toBe('CORRUPT');
  });

  it(`every flipped byte of the file is CORRUPT (UNSUPPORTED where it makes a newer format)`, async () => {
    const seen = new Map<string, number>();
    for (let at = 0; at < good.length; at++) {
      for (const mask of [0x01, 0x80]) {
        const f = flip(good, at, mask);
        const kind = await restore(f);
        const newer = at === 8 || (at === 9 && f.readUInt16BE(8) > 1);
        expect(kind, `byte ${at} ^ ${mask}`).toBe(newer ? 'UNSUPPORTED' : 'CORRUPT');
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
    }
    expect(seen.get('CORRUPT')).toBeGreaterThan(good.length);
  });

  it('edits with the checksum recomputed: TAMPERED (body, MAC, header fields), WRONG_SECRET (salt)', async () => {
    const h = headerLength(good);
    expect(await restore(resum(flip(good, PREFIX + h + 3)))).toBe('TAMPERED'); // the ciphertext
    expect(await restore(resum(flip(good, good.length - 40)))).toBe('TAMPERED'); // the MAC
    const header = JSON.parse(good.subarray(PREFIX, PREFIX + h).toString()) as { kdf: { m: number; salt: string }; iv: string };
    const withHeader = (edit: (x: typeof header) => void) => {
      const copy = structuredClone(header);
      edit(copy);
      const text = Buffer.from(JSON.stringify(copy));
      expect(text.length).toBe(h); // same length: only the field changed
      return resum(Buffer.concat([good.subarray(0, PREFIX), text, good.subarray(PREFIX + h)]));
    };
    const otherChar = (s: string) => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(await restore(withHeader((x) => (x.kdf.salt = otherChar(x.kdf.salt))))).toBe('WRONG_SECRET');
    expect(await restore(withHeader((x) => (x.iv = otherChar(x.iv))))).toBe('TAMPERED');
    expect(await restore(withHeader((x) => (x.kdf.m = 10000)))).toBe('TAMPERED'); // below the floor
    const garbage = resum(Buffer.concat([good.subarray(0, PREFIX), Buffer.alloc(h, 0x7b), good.subarray(PREFIX + h)]));
    expect(await restore(garbage)).toBe('TAMPERED');
  });

  it('a newer format version is UNSUPPORTED, whatever follows', async () => {
    const newer = Buffer.from(good);
    newer.writeUInt16BE(2, 8);
    expect(await restore(newer)).toBe('UNSUPPORTED');
    expect(await restore(Buffer.concat([good.subarray(0, 8), Buffer.from([0xff, 0xff])]))).toBe('UNSUPPORTED');
  });

  it("one backup's header on another backup's body (same passphrase) is TAMPERED", async () => {
    const h = headerLength(good);
    const bodyAndMac = other.subarray(PREFIX + headerLength(other), other.length - 32);
    const prefix = Buffer.from(good.subarray(0, PREFIX));
    prefix.writeUInt32BE(bodyAndMac.length - 32, 14);
    const spliced = resum(Buffer.concat([prefix, good.subarray(PREFIX, PREFIX + h), bodyAndMac, Buffer.alloc(32)]));
    expect(await restore(spliced)).toBe('TAMPERED');
  });

  it('never for the renderer, REST or the PKCS#11 module; not into a store that holds a keystore', async () => {
    for (const caller of ['ui', 'rest', 'pkcs11'] as const) {
      expect(await kindOf(a.client.call('kms.backup', { backupPassphrase: P }, { caller })), caller).toBe('POLICY_DENIED');
      const params = { backup: b64u(good), backupPassphrase: P, sealers: [{ kind: 'passphrase' as const, passphrase: PASSPHRASE }] };
      expect(await kindOf(b.client.call('kms.restore', params, { caller })), caller).toBe('POLICY_DENIED');
    }
    expect(await kindOf(a.client.call('kms.restore', { backup: b64u(good), backupPassphrase: P, sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }))).toBe('ALREADY_INITIALIZED');
  });

  it('a sealer that is not there is UNAVAILABLE; not base64url is INVALID_REQUEST', async () => {
    expect(await restore(good, P, [{ kind: 'tpm', tcti: 'swtpm:host=127.0.0.1,port=1' }])).toBe('UNAVAILABLE');
    expect(await kindOf(b.client.call('kms.restore', { backup: 'not base64url!', backupPassphrase: P, sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }))).toBe('INVALID_REQUEST');
  });

  it('left the store exactly as it was: uninitialized, every file unchanged; the good backup then restores', async () => {
    expect((await b.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
    await b.stop();
    expect(storeDigest(b.dir)).toBe(before);
    await b.restart();
    const r = await b.client.call('kms.restore', { backup: b64u(good), backupPassphrase: P, sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    expect(r.keys).toBe(3);
  });
});
