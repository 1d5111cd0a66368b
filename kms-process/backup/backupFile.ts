// The backup file (format OWKMSBAK, version 1): the keystore's contents encrypted under a key Argon2id derives from
// the backup passphrase. Layout, big-endian:
//
//   magic "OWKMSBAK" (8) | format version u16 | header length u32 | body length u32 | header (JSON) | body | mac | sum
//
// header: the KDF and its parameters (fresh 16-byte salt each time), the AES-256-GCM IV, a passphrase check value and
// the backup's random id; body: the contents (backupContents.ts), AES-256-GCM with everything before it as
// associated data; mac: HMAC-SHA256 over every byte before it, under a key of its own; sum: SHA-256 over every byte
// before it, unkeyed. The keys come from the Argon2id output through HKDF, one per purpose.
//
// Why the three checks: `sum` tells a damaged file (a flipped bit, a cut copy) from a wrong passphrase, so a user with
// a damaged backup is not left guessing passphrases (CORRUPT, not WRONG_SECRET); `check` tells a wrong passphrase from
// an edited body (WRONG_SECRET, not TAMPERED); `mac` and the GCM tag refuse any change made by someone who also
// recomputed `sum` (TAMPERED). A newer format version is UNSUPPORTED before anything else is read.
import argon2 from 'argon2';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { KmsError } from '../api/errors.js';
import { MAX_BACKUP_BYTES } from '../api/limits.js';
import { ARGON2_FLOOR, DEFAULT_ARGON2 } from '../sealing/passphraseSealer.js';

export const BACKUP_MAGIC = Buffer.from('OWKMSBAK', 'ascii');
export const BACKUP_FORMAT = 1;
const PREFIX = BACKUP_MAGIC.length + 2 + 4 + 4;
const MAC_BYTES = 32;
const SUM_BYTES = 32;
const TAG_BYTES = 16;
const MAX_HEADER = 4096;
/** Argon2id cost the KMS accepts in a backup: at least the sealer's floor, at most what a desktop can afford. */
const KDF_CEILING = { m: 4 * 1024 * 1024, t: 64, p: 64 } as const;

const header = z.strictObject({
  kdf: z.strictObject({
    alg: z.literal('argon2id'),
    m: z.number().int(),
    t: z.number().int(),
    p: z.number().int(),
    salt: z.string().regex(/^[A-Za-z0-9_-]{22,88}$/),
  }),
  cipher: z.literal('aes-256-gcm'),
  iv: z.string().regex(/^[A-Za-z0-9_-]{16}$/),
  check: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  backupId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
});
export type BackupHeader = z.infer<typeof header>;

interface FileKeys {
  enc: Buffer;
  mac: Buffer;
  check: Buffer;
}

async function fileKeys(passphrase: string, kdf: BackupHeader['kdf']): Promise<FileKeys> {
  // NFC: the same passphrase typed on another system (composed or decomposed accents) opens the backup.
  const pass = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  let ikm: Buffer;
  try {
    ikm = await argon2.hash(pass, {
      type: argon2.argon2id,
      raw: true,
      salt: Buffer.from(kdf.salt, 'base64url'),
      memoryCost: kdf.m,
      timeCost: kdf.t,
      parallelism: kdf.p,
      hashLength: 32,
    });
  } finally {
    pass.fill(0);
  }
  try {
    const key = (purpose: string) => Buffer.from(hkdfSync('sha256', ikm, Buffer.from(kdf.salt, 'base64url'), `owkms/backup/v1/${purpose}`, 32));
    return { enc: key('encryption'), mac: key('mac'), check: key('check') };
  } finally {
    ikm.fill(0);
  }
}

const zeroize = (k: FileKeys) => [k.enc, k.mac, k.check].forEach((b) => b.fill(0));
const checkValue = (k: FileKeys, backupId: string) => createHmac('sha256', k.check).update(`owkms/backup-check/v1|${backupId}`).digest();

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Encrypt `body` into a backup file; the caller zeroizes `body`. `cost` is for tests (never below the floor). */
export async function sealBackup(body: Buffer, passphrase: string, backupId: string, cost: { m: number; t: number; p: number } = DEFAULT_ARGON2): Promise<Buffer> {
  if (cost.m < ARGON2_FLOOR.m || cost.t < ARGON2_FLOOR.t || cost.p < ARGON2_FLOOR.p) throw new KmsError('INVALID_REQUEST', 'backup KDF cost below the floor');
  const kdf = { alg: 'argon2id' as const, ...cost, salt: randomBytes(16).toString('base64url') };
  const iv = randomBytes(12);
  const keys = await fileKeys(passphrase, kdf);
  try {
    const head: BackupHeader = { kdf, cipher: 'aes-256-gcm', iv: iv.toString('base64url'), check: checkValue(keys, backupId).toString('base64url'), backupId };
    const headBytes = Buffer.from(JSON.stringify(head), 'utf8');
    const bodyLength = body.length + TAG_BYTES;
    if (PREFIX + headBytes.length + bodyLength + MAC_BYTES + SUM_BYTES > MAX_BACKUP_BYTES) {
      throw new KmsError('UNSUPPORTED', `the backup would be larger than ${MAX_BACKUP_BYTES} bytes, the most a restore can take`);
    }
    const prefix = Buffer.alloc(PREFIX);
    BACKUP_MAGIC.copy(prefix, 0);
    prefix.writeUInt16BE(BACKUP_FORMAT, 8);
    prefix.writeUInt32BE(headBytes.length, 10);
    prefix.writeUInt32BE(bodyLength, 14);
    const aad = Buffer.concat([prefix, headBytes]);
    const c = createCipheriv('aes-256-gcm', keys.enc, iv);
    c.setAAD(aad);
    const sealed = Buffer.concat([aad, c.update(body), c.final(), c.getAuthTag()]);
    const mac = createHmac('sha256', keys.mac).update(sealed).digest();
    const withMac = Buffer.concat([sealed, mac]);
    return Buffer.concat([withMac, createHash('sha256').update(withMac).digest()]);
  } finally {
    zeroize(keys);
  }
}

/** The parts of a file whose structure is sound; throws CORRUPT / UNSUPPORTED / TAMPERED before any KDF runs. */
export function parseBackup(file: Buffer): { header: BackupHeader; aad: Buffer; body: Buffer; mac: Buffer; macked: Buffer } {
  if (file.length < BACKUP_MAGIC.length || !file.subarray(0, BACKUP_MAGIC.length).equals(BACKUP_MAGIC)) {
    throw new KmsError('CORRUPT', 'this is not an OpenWallet backup file (no OWKMSBAK signature)');
  }
  // The version first: a newer format may lay out everything after it differently.
  const version = file.length >= 10 ? file.readUInt16BE(8) : undefined;
  if (version !== undefined && version > BACKUP_FORMAT) {
    throw new KmsError('UNSUPPORTED', `the backup was made by a newer OpenWallet (format ${version}); this version reads format ${BACKUP_FORMAT}`);
  }
  if (file.length < PREFIX) throw new KmsError('CORRUPT', `the backup file is truncated (${file.length} bytes)`);
  if (version! < 1) throw new KmsError('CORRUPT', 'the backup file names no format version');
  const headLength = file.readUInt32BE(10);
  const bodyLength = file.readUInt32BE(14);
  const expected = PREFIX + headLength + bodyLength + MAC_BYTES + SUM_BYTES;
  if (headLength > MAX_HEADER || bodyLength < TAG_BYTES || bodyLength > MAX_BACKUP_BYTES) {
    throw new KmsError('CORRUPT', 'the backup file is damaged (impossible section lengths)');
  }
  if (file.length < expected) throw new KmsError('CORRUPT', `the backup file is truncated (${file.length} of ${expected} bytes)`);
  if (file.length > expected) throw new KmsError('CORRUPT', `the backup file has ${file.length - expected} bytes after its end`);
  const sumAt = expected - SUM_BYTES;
  if (!same(createHash('sha256').update(file.subarray(0, sumAt)).digest(), file.subarray(sumAt))) {
    throw new KmsError('CORRUPT', 'the backup file is damaged (its checksum does not match its contents)');
  }
  // From here the bytes are as they were written, or someone edited them and recomputed the checksum: TAMPERED.
  let parsed: BackupHeader;
  try {
    parsed = header.parse(JSON.parse(file.subarray(PREFIX, PREFIX + headLength).toString('utf8')));
  } catch (e) {
    throw new KmsError('TAMPERED', 'the backup header is not one OpenWallet writes', { cause: e });
  }
  const { m, t, p } = parsed.kdf;
  if (m < ARGON2_FLOOR.m || t < ARGON2_FLOOR.t || p < ARGON2_FLOOR.p || m > KDF_CEILING.m || t > KDF_CEILING.t || p > KDF_CEILING.p) {
    throw new KmsError('TAMPERED', 'the backup KDF parameters are outside what OpenWallet writes');
  }
  const macAt = sumAt - MAC_BYTES;
  return {
    header: parsed,
    aad: file.subarray(0, PREFIX + headLength),
    body: file.subarray(PREFIX + headLength, macAt),
    mac: file.subarray(macAt, sumAt),
    macked: file.subarray(0, macAt),
  };
}

/** The decrypted body (the caller zeroizes it). WRONG_SECRET for a wrong passphrase, TAMPERED for an edited file. */
export async function openBackup(file: Buffer, passphrase: string): Promise<{ body: Buffer; backupId: string }> {
  const parts = parseBackup(file);
  const keys = await fileKeys(passphrase, parts.header.kdf);
  try {
    if (!same(checkValue(keys, parts.header.backupId), Buffer.from(parts.header.check, 'base64url'))) {
      throw new KmsError('WRONG_SECRET', 'wrong backup passphrase', { data: { path: 'backupPassphrase' } });
    }
    if (!same(createHmac('sha256', keys.mac).update(parts.macked).digest(), parts.mac)) {
      throw new KmsError('TAMPERED', 'the backup file was changed after it was written (its MAC does not match)');
    }
    try {
      const d = createDecipheriv('aes-256-gcm', keys.enc, Buffer.from(parts.header.iv, 'base64url'));
      d.setAAD(parts.aad);
      d.setAuthTag(parts.body.subarray(parts.body.length - TAG_BYTES));
      const body = d.update(parts.body.subarray(0, parts.body.length - TAG_BYTES));
      try {
        d.final();
      } catch (e) {
        body.fill(0);
        throw e;
      }
      return { body, backupId: parts.header.backupId };
    } catch (e) {
      throw new KmsError('TAMPERED', 'the backup contents failed authentication', { cause: e });
    }
  } finally {
    zeroize(keys);
  }
}
