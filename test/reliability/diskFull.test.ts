// Disk full and I/O errors: a write that fails for lack of space (a 4 MiB tmpfs filled to the last byte: ENOSPC,
// SQLITE_FULL) or with an I/O error (a file-size limit set on the running KMS with prlimit: EFBIG, SQLITE_IOERR) is
// UNAVAILABLE with the reason; the keystore keeps exactly what was acknowledged, still lists and signs, takes writes
// again once there is room, and opens after a restart. Mounting the tmpfs needs root (CAP_SYS_ADMIN), as CI runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { b64u, PASSPHRASE, removeDir, startInitializedKms, tempDir, unb64u, type TestKms } from '../helpers/kms.js';

const DATA = b64u('still signing on a full disk');

async function failure(p: Promise<unknown>): Promise<{ kind: string; message: string } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return e as { kind: string; message: string };
  }
}

async function ids(kms: TestKms): Promise<string[]> {
  return (await kms.client.call('keys.list', { limit: 1000 })).keys.map((k) => k.id).sort();
}

/** Every key signs, and node:crypto verifies the signature against the key's public JWK. */
async function allSign(kms: TestKms): Promise<number> {
  const keys = (await kms.client.call('keys.list', { limit: 1000 })).keys.filter((k: KeyInfo) => k.algorithm === 'ed25519');
  for (const k of keys) {
    const { signature } = await kms.client.call('crypto.sign', { id: k.id, data: DATA });
    expect(nodeVerify(null, unb64u(DATA), createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' }), unb64u(signature))).toBe(true);
  }
  return keys.length;
}

function prlimit(pid: number, fsize: string): void {
  execFileSync('prlimit', ['--pid', String(pid), `--fsize=${fsize}`]);
}

describe('a file-size limit on the running KMS (prlimit --fsize): EFBIG, SQLITE_IOERR', () => {
  let kms: TestKms;
  afterAll(async () => {
    await kms?.stop();
    removeDir(kms?.dir ?? '');
  });

  it('refuses writes with UNAVAILABLE, keeps serving reads, writes again when lifted, reopens with exactly the acknowledged keys', async () => {
    kms = await startInitializedKms();
    for (let i = 0; i < 3; i++) await kms.client.call('keys.generate', { algorithm: 'ed25519', label: `before-${i}` });
    const aes = await kms.client.call('keys.generate', { algorithm: 'aes-256' });
    const acked = await ids(kms);
    const pid = kms.host.child!.pid!;
    prlimit(pid, '4096:unlimited');
    const tries = [
      () => kms.client.call('keys.generate', { algorithm: 'ed25519' }),
      () => kms.client.call('keys.update', { id: acked[0]!, label: 'renamed' }),
      () => kms.client.call('keys.rotate', { id: aes.id }),
      () => kms.client.call('keys.delete', { id: acked[1]! }),
    ];
    for (const t of tries) {
      const e = await failure(t());
      expect(e?.kind, e?.message).toBe('UNAVAILABLE');
      expect(e?.message).toMatch(/storage failed \(SQLITE_IOERR/);
      expect(e?.message).toContain('nothing was changed');
    }
    expect(await ids(kms)).toEqual(acked);
    expect(await allSign(kms)).toBe(3);
    expect((await kms.client.call('keys.get', { id: acked[0]! })).label).not.toBe('renamed');
    prlimit(pid, 'unlimited');
    const after = await kms.client.call('keys.generate', { algorithm: 'ed25519', label: 'after' });
    await kms.restart();
    await kms.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await ids(kms)).toEqual([...acked, after.id].sort());
    expect(await allSign(kms)).toBe(4);
    expect((await kms.client.call('audit.verify', {})).ok).toBe(true);
  });
});

describe('a full disk (a 4 MiB tmpfs filled up): ENOSPC, SQLITE_FULL', () => {
  const mountPoint = tempDir('owkms-tmpfs-');
  let kms: TestKms | undefined;
  let mounted = false;
  afterAll(async () => {
    await kms?.stop();
    if (mounted) spawnSync('umount', [mountPoint]);
    removeDir(mountPoint);
  });

  it('refuses the write that does not fit with UNAVAILABLE, keeps every acknowledged key usable, and recovers', async () => {
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,mode=0700', 'tmpfs', mountPoint], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`mounting a small tmpfs needs root (CAP_SYS_ADMIN), as CI runs: ${m.stderr.trim()}`);
    mounted = true;
    const dir = join(mountPoint, 'store');
    mkdirSync(dir, { mode: 0o700 });
    kms = await startInitializedKms({ dir });
    for (let i = 0; i < 2; i++) await kms.client.call('keys.generate', { algorithm: 'ed25519' });
    // Fill every free byte of the file system.
    const filler = join(mountPoint, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (e) {
      expect((e as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    try {
      for (;;) writeSync(fd, chunk, 0, 1);
    } catch {
      // not one more byte
    }
    closeSync(fd);
    // Writes that need new pages fail; which one is first depends on the space SQLite's files already hold.
    let refused: { kind: string; message: string } | undefined;
    for (let i = 0; i < 200 && !refused; i++) refused = await failure(kms.client.call('keys.generate', { algorithm: 'ml-dsa-87' }));
    expect(refused?.kind, refused?.message).toBe('UNAVAILABLE');
    expect(refused?.message).toMatch(/disk is full \(SQLITE_FULL\)|SQLITE_IOERR.*ENOSPC|storage failed/);
    const acked = await ids(kms);
    expect(await allSign(kms)).toBe(2);
    // A restart while the disk is still full: the keystore opens and says it is locked; a passphrase attempt cannot
    // be recorded first, so it is refused (UNAVAILABLE), never tried uncounted.
    await kms.restart();
    expect((await kms.client.call('kms.status', { probe: false })).state).toBe('locked');
    const unlock = await failure(kms.client.call('kms.unlock', { passphrase: PASSPHRASE }));
    expect(unlock?.kind, unlock?.message).toBe('UNAVAILABLE');
    rmSync(filler);
    await kms.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await ids(kms)).toEqual(acked);
    expect((await kms.client.call('kms.status', { probe: false })).failedAttempts ?? 0).toBe(0);
    const after = await kms.client.call('keys.generate', { algorithm: 'ed25519' });
    expect(await ids(kms)).toEqual([...acked, after.id].sort());
    expect(await allSign(kms)).toBe(3);
  });
});
