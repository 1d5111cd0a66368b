// The small keystore the byte sweep damages: a few keys of several algorithms (Ed25519, secp256k1, P-256, an AES key
// rotated once, HMAC, an HD seed and a child), made through the real KMS, then closed so the database file holds
// everything (no WAL). Also what a correct answer is: the key list, and values made before any damage (ciphertexts
// of both AES versions, a MAC) that each attempt checks again. The passphrase copy uses Argon2id at the floor the KMS
// accepts (19 MiB, t=2), which is stored with the copy, so each of the many unlocks costs tens of milliseconds.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ARGON2_FLOOR, PassphraseSealer } from '../../../dist/kms-process/sealing/passphraseSealer.js';
import { openKms } from './kmsInProcess.mjs';

export const PASSPHRASE = 'byte sweep passphrase';
export const DATA = Buffer.from('the message every attempt signs').toString('base64url');
export const DB_FILE = 'keystore.sqlite';

export async function buildFixture(dir) {
  const { ctx, call } = openKms(dir, 'byte-sweep-fixture');
  try {
    ctx.sealers.set('passphrase', new PassphraseSealer(ARGON2_FLOOR));
    await call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    for (const [label, algorithm] of [['ed', 'ed25519'], ['k1', 'secp256k1'], ['p256', 'p256'], ['aes', 'aes-256'], ['mac', 'hmac-sha256'], ['seed', 'hd-seed']]) {
      await call('keys.generate', { algorithm, label });
    }
    const byLabel = async () => Object.fromEntries((await call('keys.list', { limit: 1000 })).keys.map((k) => [k.label, k]));
    let keys = await byLabel();
    await call('keys.derive', { id: keys.seed.id, path: "m/44'/60'/0'/0/0", label: 'child' });
    const ciphertexts = [];
    const plain1 = Buffer.from('made with version 1').toString('base64url');
    ciphertexts.push({ plaintext: plain1, ...(await call('crypto.encrypt', { id: keys.aes.id, data: plain1 })) });
    await call('keys.rotate', { id: keys.aes.id });
    const plain2 = Buffer.from('made with version 2').toString('base64url');
    ciphertexts.push({ plaintext: plain2, ...(await call('crypto.encrypt', { id: keys.aes.id, data: plain2 })) });
    const mac = (await call('crypto.mac', { id: keys.mac.id, data: DATA })).mac;
    const list = (await call('keys.list', { limit: 1000 })).keys;
    keys = await byLabel();
    ctx.keySetCheck.stop();
    ctx.audit.flushAll();
    return { list, ids: Object.fromEntries(Object.entries(keys).map(([l, k]) => [l, k.id])), ciphertexts, mac };
  } finally {
    ctx.close();
    const wal = join(dir, `${DB_FILE}-wal`);
    if (existsSync(wal) && statSync(wal).size > 0) throw new Error('the fixture left a WAL: the database file is not the whole keystore');
  }
}

export function fixtureBytes(dir) {
  return readFileSync(join(dir, DB_FILE));
}
