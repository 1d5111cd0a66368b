// One attempt of the byte sweep: the damaged file as a keystore, opened and used the way the wallet uses it (status,
// unlock, list, sign, mac, decrypt both AES versions, derive, audit). The first error ends it, and its kind is the
// outcome; every answer before it must be right, checked independently (node:crypto verifies signatures against the
// public keys recorded before the damage; MACs and plaintexts must be the ones made then). Outcomes: `correct`
// (the damage touched nothing in use), TAMPERED, CORRUPT, ROLLBACK, `audit` (audit.verify reports the damage), or a
// failure: WRONG (a wrong answer), any other error kind, EXCEPTION (something threw that was not a KmsError).
import { createPublicKey, verify } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATA, DB_FILE, PASSPHRASE } from './fixture.mjs';
import { openKms } from './kmsInProcess.mjs';

export const DETECTED = new Set(['correct', 'TAMPERED', 'CORRUPT', 'ROLLBACK', 'audit']);

class Wrong extends Error {}

function check(ok, what) {
  if (!ok) throw new Wrong(what);
}

function signatureValid(info, signature) {
  const key = createPublicKey({ key: info.publicKey.jwk, format: 'jwk' });
  const data = Buffer.from(DATA, 'base64url');
  const sig = Buffer.from(signature, 'base64url');
  return info.algorithm === 'ed25519' ? verify(null, data, key, sig) : verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig);
}

async function use(call, expected) {
  const status = await call('kms.status', { probe: false });
  check(status.state === 'locked', `state ${status.state}`);
  await call('kms.unlock', { passphrase: PASSPHRASE });
  const list = (await call('keys.list', { limit: 1000 })).keys;
  check(JSON.stringify(list) === JSON.stringify(expected.list), 'keys.list differs');
  const byLabel = Object.fromEntries(expected.list.map((k) => [k.label, k]));
  for (const label of ['ed', 'k1', 'p256', 'child']) {
    const { signature } = await call('crypto.sign', { id: byLabel[label].id, data: DATA });
    check(signatureValid(byLabel[label], signature), `signature of ${label} does not verify`);
  }
  check((await call('crypto.mac', { id: expected.ids.mac, data: DATA })).mac === expected.mac, 'MAC differs');
  for (const c of expected.ciphertexts) {
    const { plaintext } = await call('crypto.decrypt', { id: expected.ids.aes, data: c.ciphertext, iv: c.iv, tag: c.tag, version: c.version });
    check(plaintext === c.plaintext, `version ${c.version} decrypts to something else`);
  }
  const again = await call('keys.derive', { id: expected.ids.seed, path: "m/44'/60'/0'/0/0", label: 'again' });
  check(again.extra?.ethereumAddress === byLabel.child.extra?.ethereumAddress, 'the seed derives another child');
  const audit = await call('audit.verify', {});
  return audit.ok ? 'correct' : 'audit';
}

/** Run one attempt on `bytes`; returns { outcome, detail }. */
export async function attempt(bytes, expected) {
  const dir = mkdtempSync(join(tmpdir(), 'owkms-sweep-'));
  chmodSync(dir, 0o700);
  writeFileSync(join(dir, DB_FILE), bytes, { mode: 0o600 });
  let kms;
  try {
    kms = openKms(dir, 'byte-sweep');
    return { outcome: await use(kms.call, expected) };
  } catch (e) {
    if (e instanceof Wrong) return { outcome: 'WRONG', detail: e.message };
    if (typeof e?.kind === 'string') return { outcome: e.kind, detail: e.message.slice(0, 200) };
    return { outcome: 'EXCEPTION', detail: String(e?.stack ?? e).slice(0, 400) };
  } finally {
    try {
      kms?.ctx.close();
    } catch (e) {
      // a close that throws on a damaged file is reported by the caller only if the attempt itself was fine
      void e;
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
