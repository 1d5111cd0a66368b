// A damaged file is never INTERNAL (issue 9): in a small keystore (keys of several algorithms), bytes are flipped in
// every page (the b-tree page header and bytes spread over the page), and each damaged copy is opened, unlocked and
// used by a real KMS. Every answer is the pristine one, or TAMPERED, or CORRUPT (after which the keystore stays
// LOCKED when the damage stopped the unlock).
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64u, PASSPHRASE, removeDir, startInitializedKms, startKms, tempDir } from '../../helpers/kms.js';

const DATA = b64u('pay 1 coin to alice');
/** What the KMS answers for the pristine keystore: the reference every damaged copy is held to. */
type Answers = Record<string, string>;

let pristine: string;
let reference: Answers;
let keys: Array<{ id: string; op: 'sign' | 'mac' | 'decrypt' }>;
let ciphertext: { data: string; iv: string; tag: string };

/** One pass of reads and uses over a keystore folder; each answer as JSON, or the error kind. */
async function answers(dir: string): Promise<Answers> {
  const k = await startKms({ dir, timeoutMs: 60_000 });
  const out: Answers = {};
  const ask = async (name: string, fn: () => Promise<unknown>) => {
    try {
      out[name] = JSON.stringify(await fn());
    } catch (e) {
      out[name] = (e as { kind?: string }).kind ?? `not a KmsError: ${String(e)}`;
    }
  };
  try {
    await ask('status', async () => (await k.client.call('kms.status', { probe: false })).state);
    await ask('unlock', async () => (await k.client.call('kms.unlock', { passphrase: PASSPHRASE })).state);
    await ask('list', () => k.client.call('keys.list', {}));
    for (const key of keys) {
      await ask(`get ${key.id}`, () => k.client.call('keys.get', { id: key.id }));
      if (key.op === 'sign') await ask(`sign ${key.id}`, () => k.client.call('crypto.sign', { id: key.id, data: DATA }));
      if (key.op === 'mac') await ask(`mac ${key.id}`, () => k.client.call('crypto.mac', { id: key.id, data: DATA }));
      if (key.op === 'decrypt') await ask(`decrypt ${key.id}`, () => k.client.call('crypto.decrypt', { id: key.id, ...ciphertext }));
    }
  } finally {
    await k.stop();
  }
  return out;
}

beforeAll(async () => {
  const k = await startInitializedKms();
  keys = [];
  for (const [algorithm, op] of [['ed25519', 'sign'], ['secp256k1', 'sign'], ['p256', 'sign'], ['hmac-sha256', 'mac'], ['aes-256', 'decrypt']] as const) {
    keys.push({ id: (await k.client.call('keys.generate', { algorithm, label: `flip ${algorithm}` })).id, op });
  }
  const enc = await k.client.call('crypto.encrypt', { id: keys.at(-1)!.id, data: b64u('secret note') });
  ciphertext = { data: enc.ciphertext, iv: enc.iv!, tag: enc.tag! };
  await k.client.call('kms.lock', {}); // flushes the audit batch
  await k.stop();
  pristine = k.dir;
  const copy = tempDir();
  copyFileSync(join(pristine, 'keystore.sqlite'), join(copy, 'keystore.sqlite'));
  reference = await answers(copy); // p256 signatures are randomized: compared by kind only, below
  removeDir(copy);
}, 120_000);
afterAll(() => removeDir(pristine));

/** The pristine answer, or a kind that says the file is damaged; a randomized ECDSA signature only by its kind. */
function judged(name: string, got: string): string {
  if (got === 'TAMPERED' || got === 'CORRUPT') return got;
  const p256 = keys.find((k) => k.op === 'sign' && name === `sign ${k.id}`) === keys[2];
  if (p256 && got.startsWith('{"signature"')) return 'correct';
  return got === reference[name] ? 'correct' : `WRONG: ${name} -> ${got.slice(0, 80)}`;
}

describe('a flipped byte in any page of a small keystore', () => {
  it('ends in the correct answer, TAMPERED or CORRUPT, for every operation (never INTERNAL, never a wrong answer)', async () => {
    const file = readFileSync(join(pristine, 'keystore.sqlite'));
    const pageSize = file.readUInt16BE(16) === 1 ? 65536 : file.readUInt16BE(16);
    const pages = file.length / pageSize;
    expect(Number.isInteger(pages) && pages >= 8).toBe(true);
    const tally = new Map<string, number>();
    const wrong: string[] = [];
    for (let page = 0; page < pages; page++) {
      const base = page * pageSize + (page === 0 ? 100 : 0); // page 1 starts with the 100-byte database header
      // The b-tree page header, its cell pointer array, and content near the middle and the end of the page.
      // The b-tree page header (its type and cell count), and bytes spread over the rest of the page; FLIP_DENSE=1
      // spreads 16 instead of 4 (about 15 minutes on a loaded 2-core machine).
      const spread = process.env.FLIP_DENSE ? 16 : 4;
      const offsets = [base + 0, base + 3, ...Array.from({ length: spread }, (_, i) => page * pageSize + Math.floor(((i + 0.5) * pageSize) / spread) + ((i * 37) % 101))];
      for (const at of offsets) {
        const dir = tempDir('owkms-flip-');
        const damaged = Buffer.from(file);
        damaged[at]! ^= 0x10;
        writeFileSync(join(dir, 'keystore.sqlite'), damaged);
        const got = await answers(dir);
        removeDir(dir);
        // A keystore that did not unlock because it is damaged answers LOCKED afterwards: that follows from the first.
        const unlockFailed = got.unlock === 'TAMPERED' || got.unlock === 'CORRUPT';
        for (const [name, answer] of Object.entries(got)) {
          const verdict = unlockFailed && answer === 'LOCKED' ? 'LOCKED after a damaged unlock' : judged(name, answer);
          tally.set(verdict, (tally.get(verdict) ?? 0) + 1);
          if (verdict.startsWith('WRONG')) wrong.push(`page ${page + 1} byte ${at}: ${verdict}`);
          if (process.env.FLIP_DENSE && verdict.startsWith('WRONG')) console.log(`page ${page + 1} byte ${at}: ${verdict}`);
        }
      }
    }
    console.log(`flipped ${pages} pages x ${2 + (process.env.FLIP_DENSE ? 16 : 4)} bytes (file ${statSync(join(pristine, 'keystore.sqlite')).size} bytes):`, Object.fromEntries(tally));
    expect(wrong).toEqual([]);
  }, process.env.FLIP_DENSE ? 7_200_000 : 600_000);
});
