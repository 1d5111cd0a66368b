// Finding 6 of issue 10: with the KMS stopped, rows of the keystore file are deleted, duplicated, swapped or put
// back from an older copy of the same keystore, table by table. Every such edit is a typed error (TAMPERED; ROLLBACK
// for a whole older file, and a removed sealer row, in keychainRollback.test.ts) where the key is used or listed, and the background check
// reports it in kms.status; never a key that works with an older, weaker policy, and never a deleted key that signs.
import Database from 'better-sqlite3';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelClient } from '../../../kms-process/client/channelClient.js';
import { b64u, kindOf, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir } from '../../helpers/kms.js';

const DATA = b64u('pay 1 coin to alice');
let older: string; // the keystore after the first session
let newer: string; // the same keystore one session later
const id: Record<'weak' | 'plain' | 'rotated' | 'deleted' | 'added', string> = { weak: '', plain: '', rotated: '', deleted: '', added: '' };
let v1Ciphertext: { ciphertext: string; iv: string; tag: string };

beforeAll(async () => {
  const k = await startInitializedKms();
  const c = k.client;
  // `weak` starts exportable and unguarded; the second session guards it. `deleted` goes in the second session.
  id.weak = (await c.call('keys.generate', { algorithm: 'ed25519', exportable: true })).id;
  id.plain = (await c.call('keys.generate', { algorithm: 'ed25519' })).id;
  id.rotated = (await c.call('keys.generate', { algorithm: 'aes-256' })).id;
  id.deleted = (await c.call('keys.generate', { algorithm: 'ed25519' })).id;
  const e = await c.call('crypto.encrypt', { id: id.rotated, data: DATA });
  v1Ciphertext = { ciphertext: e.ciphertext, iv: e.iv!, tag: e.tag! };
  await c.call('keys.rotate', { id: id.rotated }); // version 1 moves to key_versions
  await c.call('kms.lock', {});
  await k.stop();
  older = tempDir();
  copyFileSync(join(k.dir, 'keystore.sqlite'), join(older, 'keystore.sqlite'));

  const k2 = await startKms({ dir: k.dir });
  await k2.client.call('kms.unlock', { passphrase: PASSPHRASE });
  await k2.client.call('keys.update', { id: id.weak, policy: { exportable: false, requiresApproval: true } });
  await k2.client.call('keys.delete', { id: id.deleted });
  await k2.client.call('keys.rotate', { id: id.rotated });
  await k2.client.call('keys.retireVersions', { id: id.rotated, below: 2 }); // version 1 retired
  id.added = (await k2.client.call('keys.generate', { algorithm: 'ed25519' })).id;
  await k2.client.call('kms.lock', {});
  await k2.stop();
  newer = k.dir;
});
afterAll(() => {
  removeDir(older);
  removeDir(newer);
});

/** A copy of the newer keystore with `sql` applied, the older copy attached as `old`. */
function tampered(sql: string, params: Record<string, string> = {}): string {
  const dir = tempDir();
  copyFileSync(join(newer, 'keystore.sqlite'), join(dir, 'keystore.sqlite'));
  const db = new Database(join(dir, 'keystore.sqlite'));
  db.exec(`ATTACH DATABASE '${join(older, 'keystore.sqlite')}' AS old`);
  const named = sql.replace(/\$(\w+)/g, (_, n: string) => `'${params[n] ?? id[n as keyof typeof id]}'`);
  db.exec(named);
  db.exec('DETACH DATABASE old');
  db.close();
  return dir;
}

interface Outcome {
  weak: string; // what keys.get says about the key whose policy was tightened: 'guarded', 'WEAK', or an error kind
  weakSign: string;
  plainSign: string;
  rotatedV1: string; // decrypting the retired version's ciphertext
  deletedSign: string;
  addedSign: string;
  list: string;
  keySet: string;
}

async function settle(c: ChannelClient): Promise<string> {
  // Polls leave the KMS quiet for longer than its background check waits for (keySetCheck.ts, QUIET_MS): polling
  // faster only slows the check down to one slice per 50 ms.
  for (let i = 0; i < 150; i++) {
    const s = await c.call('kms.status', { probe: false });
    if (s.keySet !== 'checking') return String(s.keySet);
    await new Promise((r) => setTimeout(r, 80));
  }
  return 'still checking';
}

/** What a user of the tampered keystore sees, key by key. */
async function probe(dir: string): Promise<Outcome> {
  const k = await startKms({ dir });
  try {
    const c = k.client;
    const unlocked = await kindOf(c.call('kms.unlock', { passphrase: PASSPHRASE }));
    if (unlocked !== 'resolved') return { weak: unlocked, weakSign: unlocked, plainSign: unlocked, rotatedV1: unlocked, deletedSign: unlocked, addedSign: unlocked, list: unlocked, keySet: unlocked };
    const sign = (key: string) => kindOf(c.call('crypto.sign', { id: key, data: DATA }));
    let weak: string;
    try {
      const info = await c.call('keys.get', { id: id.weak });
      weak = info.requiresApproval && !info.exportable ? 'guarded' : 'WEAK';
    } catch (e) {
      weak = (e as { kind: string }).kind;
    }
    const rotatedV1 = await kindOf(c.call('crypto.decrypt', { id: id.rotated, data: v1Ciphertext.ciphertext, iv: v1Ciphertext.iv, tag: v1Ciphertext.tag, version: 1 }));
    const out = {
      weak,
      weakSign: await sign(id.weak),
      plainSign: await sign(id.plain),
      rotatedV1,
      deletedSign: await sign(id.deleted),
      addedSign: await sign(id.added),
      keySet: await settle(c),
      list: await kindOf(c.call('keys.list', {})),
    };
    return out;
  } finally {
    await k.stop();
    removeDir(dir);
  }
}

const UNTOUCHED: Outcome = {
  weak: 'guarded',
  weakSign: 'resolved', // the test caller confirms for itself
  plainSign: 'resolved',
  rotatedV1: 'NOT_FOUND',
  deletedSign: 'NOT_FOUND',
  addedSign: 'resolved',
  list: 'resolved',
  keySet: 'verified',
};

describe('the key set, table by table', () => {
  it('untouched: everything as it was left', async () => {
    expect(await probe(tampered('SELECT 1'))).toEqual(UNTOUCHED);
  });

  it('keys: an older copy of one row (the weaker policy) is TAMPERED, not the old policy', async () => {
    const got = await probe(tampered('DELETE FROM keys WHERE id = $weak; INSERT INTO keys SELECT * FROM old.keys WHERE id = $weak;'));
    expect(got).toMatchObject({ weak: 'TAMPERED', weakSign: 'TAMPERED', plainSign: 'resolved', list: 'TAMPERED', keySet: 'tampered' });
  });

  it("keys: a deleted key's row put back is TAMPERED; it never signs again", async () => {
    const got = await probe(tampered('INSERT INTO keys SELECT * FROM old.keys WHERE id = $deleted;'));
    expect(got).toMatchObject({ deletedSign: 'TAMPERED', plainSign: 'resolved', list: 'TAMPERED', keySet: 'tampered' });
  });

  it('keys: a deleted row is TAMPERED when asked for, and reported by the background check', async () => {
    const got = await probe(tampered('DELETE FROM keys WHERE id = $plain;'));
    expect(got).toMatchObject({ plainSign: 'TAMPERED', weak: 'guarded', list: 'TAMPERED', keySet: 'tampered' });
  });

  it('keys: a row duplicated under another id, and two rows swapped, are TAMPERED', async () => {
    const dup = await probe(tampered(`INSERT INTO keys (id, label, algorithm, provider, policy, public_raw, secret_iv, secret_ct, ref, derivation, created_at, version, mac)
      SELECT 'Zz' || substr(id, 3), label, algorithm, provider, policy, public_raw, secret_iv, secret_ct, ref, derivation, created_at, version, mac FROM keys WHERE id = $plain;`));
    expect(dup).toMatchObject({ plainSign: 'resolved', list: 'TAMPERED', keySet: 'tampered' });
    const swapped = await probe(tampered(`
      CREATE TEMP TABLE a AS SELECT * FROM keys WHERE id = $plain;
      CREATE TEMP TABLE b AS SELECT * FROM keys WHERE id = $added;
      UPDATE keys SET (label, policy, public_raw, secret_iv, secret_ct, mac) = (SELECT label, policy, public_raw, secret_iv, secret_ct, mac FROM b) WHERE id = $plain;
      UPDATE keys SET (label, policy, public_raw, secret_iv, secret_ct, mac) = (SELECT label, policy, public_raw, secret_iv, secret_ct, mac FROM a) WHERE id = $added;`));
    expect(swapped).toMatchObject({ plainSign: 'TAMPERED', addedSign: 'TAMPERED', weak: 'guarded' });
  });

  it('key_versions: a retired version put back from the older copy is TAMPERED; a deleted version too', async () => {
    const back = await probe(tampered('INSERT INTO key_versions SELECT * FROM old.key_versions WHERE key_id = $rotated AND version = 1;'));
    expect(back).toMatchObject({ rotatedV1: 'TAMPERED', plainSign: 'resolved', keySet: 'tampered' });
    const gone = await probe(tampered('DELETE FROM key_versions WHERE key_id = $rotated;'));
    expect(gone).toMatchObject({ rotatedV1: 'TAMPERED', keySet: 'tampered' });
    const dup = await probe(tampered('INSERT INTO key_versions (key_id, version, secret_iv, secret_ct, created_at, mac) SELECT key_id, 7, secret_iv, secret_ct, created_at, mac FROM key_versions WHERE key_id = $rotated;'));
    expect(dup).toMatchObject({ rotatedV1: 'TAMPERED', keySet: 'tampered' });
  });

  it('keyset: a deleted node, or the older tree, is TAMPERED', async () => {
    const gone = await probe(tampered(`DELETE FROM keyset WHERE prefix = substr($plain, 1, 3);`));
    expect(gone).toMatchObject({ plainSign: 'TAMPERED', list: 'TAMPERED', keySet: 'tampered' });
    const old = await probe(tampered('DELETE FROM keyset; INSERT INTO keyset SELECT * FROM old.keyset;'));
    expect(old).toMatchObject({ weakSign: 'TAMPERED', list: 'TAMPERED', keySet: 'tampered' });
  });

  it("meta: the older copy's whole metadata (valid MAC, older root) is TAMPERED at the first key, not the old key set", async () => {
    const got = await probe(tampered('DELETE FROM meta; INSERT INTO meta SELECT * FROM old.meta;'));
    expect(got).toMatchObject({ weak: 'TAMPERED', weakSign: 'TAMPERED', list: 'TAMPERED', keySet: 'tampered' });
    expect(got.deletedSign).not.toBe('resolved');
  });

  it('a trigger or view added to the file (it would run inside the KMS\'s own writes) is TAMPERED before any use', async () => {
    const trigger = await probe(tampered('CREATE TRIGGER forget AFTER INSERT ON unlock_attempts BEGIN DELETE FROM unlock_attempts; END;'));
    expect(trigger).toEqual(Object.fromEntries(Object.keys(UNTOUCHED).map((k) => [k, 'TAMPERED'])));
    const view = await probe(tampered('CREATE VIEW v AS SELECT id FROM keys;'));
    expect(view.weak).toBe('TAMPERED');
  });

  it('the older keys and versions with the newer metadata: TAMPERED', async () => {
    const got = await probe(tampered('DELETE FROM keys; INSERT INTO keys SELECT * FROM old.keys; DELETE FROM key_versions; INSERT INTO key_versions SELECT * FROM old.key_versions;'));
    expect(got).toMatchObject({ weak: 'TAMPERED', deletedSign: 'TAMPERED', list: 'TAMPERED', keySet: 'tampered' });
  });
});
