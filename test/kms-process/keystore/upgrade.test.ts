// A keystore written before issue 10 (schema 1: no key-set tree, no sealer set in the metadata, no audit counts)
// opens with this version: at its first unlock the tree is built from its rows as they are, the schema becomes 2,
// and from then on the key set is guarded; its keys with both wrap and decrypt keep their data purposes. Dropping the
// tree's root offline to force that upgrade on a newer keystore is TAMPERED (the metadata MAC covers the version).
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { b64u, kindOf, PASSPHRASE, removeDir, startKms, tempDir } from '../../helpers/kms.js';
import { downgradeToSchema1, keystoreWithStoredKeys } from '../../helpers/inProcessKeystore.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach(removeDir));

describe('a version 1 keystore', () => {
  it('upgrades at its first unlock: the tree is built, keys work, and rows changed afterwards are TAMPERED', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const [mixed, signer] = await keystoreWithStoredKeys(dir, [
      { algorithm: 'aes-256', policy: { purposes: ['encrypt', 'decrypt', 'wrap', 'unwrap'], exportable: false, requiresApproval: false } },
      { algorithm: 'ed25519', policy: { purposes: ['sign', 'verify'], exportable: false, requiresApproval: false } },
    ]);
    await downgradeToSchema1(dir);
    const v1 = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
    expect(v1.prepare("SELECT v FROM meta WHERE k = 'schema_version'").pluck().get()).toBe('1');
    expect(v1.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'keyset'").pluck().get()).toBe(0);
    v1.close();

    const k = await startKms({ dir });
    await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
    await k.client.call('crypto.sign', { id: signer!, data: b64u('after the upgrade') });
    expect((await k.client.call('keys.get', { id: mixed! })).purposes).toContain('wrap'); // stored as it was...
    expect(await kindOf(k.client.call('crypto.wrapKey', { id: mixed!, keyId: signer! }))).toBe('POLICY_DENIED'); // ...but not in effect
    expect((await k.client.call('audit.verify', {})).ok).toBe(true);
    await k.stop();
    const v2 = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
    expect(v2.prepare("SELECT v FROM meta WHERE k = 'schema_version'").pluck().get()).toBe('2');
    expect(v2.prepare('SELECT count(*) FROM keyset').pluck().get()).toBeGreaterThan(0);
    v2.close();

    // Now guarded: the signer's row put back from before a policy change is TAMPERED.
    const before = tempDir();
    dirs.push(before);
    copyFileSync(join(dir, 'keystore.sqlite'), join(before, 'keystore.sqlite'));
    const k2 = await startKms({ dir });
    await k2.client.call('kms.unlock', { passphrase: PASSPHRASE });
    await k2.client.call('keys.update', { id: signer!, policy: { purposes: ['verify'] } });
    await k2.stop();
    const db = new Database(join(dir, 'keystore.sqlite'));
    db.exec(`ATTACH DATABASE '${join(before, 'keystore.sqlite')}' AS old; DELETE FROM keys WHERE id = '${signer}'; INSERT INTO keys SELECT * FROM old.keys WHERE id = '${signer}'; DETACH DATABASE old;`);
    db.close();
    const k3 = await startKms({ dir });
    await k3.client.call('kms.unlock', { passphrase: PASSPHRASE });
    expect(await kindOf(k3.client.call('crypto.sign', { id: signer!, data: b64u('x') }))).toBe('TAMPERED');
    await k3.stop();
  });

  it('an upgrade cannot be forced on a newer keystore by removing its root or its version', async () => {
    const dir = tempDir();
    dirs.push(dir);
    await keystoreWithStoredKeys(dir, [{ algorithm: 'ed25519', policy: { purposes: ['sign'], exportable: false, requiresApproval: false } }]);
    for (const edit of ["DELETE FROM meta WHERE k = 'keyset_root'", "UPDATE meta SET v = '1' WHERE k = 'schema_version'"]) {
      const copy = tempDir();
      dirs.push(copy);
      copyFileSync(join(dir, 'keystore.sqlite'), join(copy, 'keystore.sqlite'));
      const db = new Database(join(copy, 'keystore.sqlite'));
      db.exec(edit);
      db.close();
      const k = await startKms({ dir: copy });
      expect(await kindOf(k.client.call('kms.unlock', { passphrase: PASSPHRASE })), edit).toBe('TAMPERED');
      await k.stop();
    }
  });
});
