// Wycheproof vectors (github.com/C2SP/wycheproof, copied in test/vectors/wycheproof) run THROUGH one KMS child process:
// each test group's key goes in with keys.import (public-only for verification), then crypto.verify / decrypt / mac /
// macVerify (in crypto.batch messages) or crypto.agree. `valid` must pass; `invalid` must be rejected with
// `valid: false` or a typed KmsError kind (never INTERNAL); `acceptable` is pinned with its reason next to it.
import { createECDH, createHash, createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cryptoMethods } from '../../../kms-process/api/cryptoMethods.js';
import { ERROR_KINDS, MAX_BATCH_ITEMS, type KeyInfo } from '../../../kms-process/api/index.js';
import { b64u, kindOf, removeDir, startInitializedKms, type TestKms } from '../../helpers/kms.js';
import { hex, loadWycheproof, type WycheproofTest } from '../algorithms/wycheproof.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startInitializedKms({ timeoutMs: 120_000 });
});
afterAll(async () => {
  await kms?.stop();
  if (kms) removeDir(kms.dir);
});

// ---------------------------------------------------------------------------------------------------------------
// Plumbing: outcomes, batches, imports.

/** What one operation came to: its result, or the kind of the KmsError it failed with. */
type Outcome = { ok: true; result: Record<string, unknown> } | { ok: false; kind: string };

type BatchMethod = 'crypto.verify' | 'crypto.decrypt' | 'crypto.encrypt' | 'crypto.mac' | 'crypto.macVerify';
interface Item {
  method: BatchMethod;
  params: Record<string, unknown>;
}

/** Kinds a refused vector may come back with: the request's fault, never the KMS's (INTERNAL, CORRUPT, TIMEOUT...). */
const TYPED_KINDS = new Set<string>(['INVALID_REQUEST', 'UNSUPPORTED', 'POLICY_DENIED'] satisfies (typeof ERROR_KINDS)[number][]);

async function single(method: string, params: unknown): Promise<Outcome> {
  try {
    return { ok: true, result: (await kms.client.callUnchecked(method, params)) as Record<string, unknown> };
  } catch (e) {
    return { ok: false, kind: (e as { kind?: string }).kind ?? `not a KmsError: ${String(e)}` };
  }
}

/**
 * Runs items through crypto.batch (at most MAX_BATCH_ITEMS and about 3 MiB of JSON per message), in order. An item
 * that its method's schema refuses would fail the whole batch, so it goes alone and comes back as that refusal.
 */
async function runBatch(items: Item[]): Promise<Outcome[]> {
  const out: Outcome[] = new Array(items.length);
  const lone: Promise<void>[] = [];
  let chunk: { index: number; item: Item }[] = [];
  let chunkBytes = 0;
  const flushes: Promise<void>[] = [];
  const flush = () => {
    if (chunk.length === 0) return;
    const sent = chunk;
    chunk = [];
    chunkBytes = 0;
    flushes.push(
      (async () => {
        const { results } = (await kms.client.call('crypto.batch', { items: sent.map((s) => s.item) as never })) as {
          results: Array<{ result?: Record<string, unknown>; error?: { kind: string } }>;
        };
        expect(results).toHaveLength(sent.length);
        results.forEach((r, i) => {
          out[sent[i]!.index] = r.error ? { ok: false, kind: r.error.kind } : { ok: true, result: r.result! };
        });
      })(),
    );
  };
  items.forEach((item, index) => {
    if (!cryptoMethods[item.method].params.safeParse(item.params).success) {
      lone.push(single(item.method, item.params).then((o) => void (out[index] = o)));
      return;
    }
    const size = JSON.stringify(item).length;
    if (chunk.length >= MAX_BATCH_ITEMS || chunkBytes + size > 3 * 1024 * 1024) flush();
    chunk.push({ index, item });
    chunkBytes += size;
  });
  flush();
  await Promise.all([...flushes, ...lone]);
  return out;
}

/** keys.import; the KeyInfo, or the kind it was refused with. */
async function importKey(params: Record<string, unknown>): Promise<{ key?: KeyInfo; kind?: string }> {
  const o = await single('keys.import', params);
  return o.ok ? { key: o.result as unknown as KeyInfo } : { kind: o.kind };
}

/** Imports every distinct params object once (by JSON), in parallel. */
async function importAll(list: Record<string, unknown>[]): Promise<Map<string, { key?: KeyInfo; kind?: string }>> {
  const unique = [...new Map(list.map((p) => [JSON.stringify(p), p])).values()];
  const done = await Promise.all(unique.map(async (p) => [JSON.stringify(p), await importKey(p)] as const));
  return new Map(done);
}

/** Mismatches are collected per file and compared with [] at the end, so one run names every failing tcId. */
class Tally {
  readonly failures: string[] = [];
  readonly counts = { valid: 0, invalid: 0, acceptable: 0 };
  private pinned = new Map<string, number>();
  constructor(readonly file: string) {}

  fail(t: WycheproofTest, what: string): void {
    this.failures.push(`${this.file} tcId ${t.tcId} (${t.result}; ${t.comment}; ${t.flags.join(',')}): ${what}`);
  }

  /** An acceptable vector, pinned to one outcome for the reason given. */
  pin(reason: string): void {
    this.pinned.set(reason, (this.pinned.get(reason) ?? 0) + 1);
  }

  seen(t: WycheproofTest): void {
    this.counts[t.result]++;
  }

  /** A refusal must be a typed kind; `expected` narrows it further when given. */
  checkRefused(t: WycheproofTest, o: Outcome | undefined, expected?: string): void {
    if (!o) return this.fail(t, 'no outcome');
    if (o.ok) return this.fail(t, `accepted: ${JSON.stringify(o.result).slice(0, 120)}`);
    if (!TYPED_KINDS.has(o.kind)) return this.fail(t, `refused with ${o.kind}, not a typed kind`);
    if (expected && o.kind !== expected) this.fail(t, `refused with ${o.kind}, expected ${expected}`);
  }

  /** A verification outcome that must reject: valid false or a typed error. */
  checkVerifyRejected(t: WycheproofTest, o: Outcome | undefined): void {
    if (o?.ok) {
      if (o.result.valid !== false) this.fail(t, `verified: ${JSON.stringify(o.result)}`);
      return;
    }
    this.checkRefused(t, o);
  }

  checkVerifyValid(t: WycheproofTest, o: Outcome | undefined): void {
    if (!o?.ok) return this.fail(t, `refused with ${o?.kind}`);
    if (o.result.valid !== true) this.fail(t, `valid is ${JSON.stringify(o.result.valid)}`);
  }

  checkField(t: WycheproofTest, o: Outcome | undefined, field: string, expectedHex: string): void {
    if (!o?.ok) return this.fail(t, `refused with ${o?.kind}`);
    const got = Buffer.from(String(o.result[field]), 'base64url').toString('hex');
    if (got !== expectedHex) this.fail(t, `${field} ${got} != ${expectedHex}`);
  }

  report(): Record<string, number> {
    return Object.fromEntries(this.pinned);
  }
}

const sha256 = (b: Uint8Array) => new Uint8Array(createHash('sha256').update(b).digest());

/** Wycheproof writes EC coordinates and scalars as ASN.1 INTEGER contents (a leading 00, or fewer bytes). */
function fixed(hexInt: string, bytes: number): Buffer {
  const v = BigInt('0x' + (hexInt || '0'));
  return Buffer.from(v.toString(16).padStart(2 * bytes, '0'), 'hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Signatures: ed25519, ECDSA P-256 / secp256k1 (DER), RSA PKCS#1 v1.5, ML-DSA-65.

interface SigTest extends WycheproofTest {
  msg: string;
  sig: string;
  ctx?: string;
}

/** Import each group's public key, verify every test of the file in batches, check every outcome. */
async function runSignatureFile<G extends { tests: SigTest[] }>(
  file: string,
  importParams: (g: G, index: number) => Record<string, unknown>,
  verifyParams: (t: SigTest) => Record<string, unknown>[],
): Promise<Tally> {
  const data = loadWycheproof<G>(file);
  const tally = new Tally(file);
  const imported = await Promise.all(data.testGroups.map((g, i) => importKey(importParams(g, i))));
  const items: Item[] = [];
  const owners: { t: SigTest; importKind?: string }[] = [];
  data.testGroups.forEach((g, i) => {
    const { key, kind } = imported[i]!;
    for (const t of g.tests) {
      tally.seen(t);
      if (!key) {
        // The group's key itself is refused at import (a typed error): only non-valid vectors may sit here.
        if (t.result === 'valid') tally.fail(t, `the group's key was refused at import with ${kind}`);
        else if (!TYPED_KINDS.has(kind!)) tally.fail(t, `key import refused with ${kind}`);
        continue;
      }
      expect(key.purposes).toEqual(['verify']); // a public-only import verifies and does nothing else
      for (const p of verifyParams(t)) {
        items.push({ method: 'crypto.verify', params: { id: key.id, ...p } });
        owners.push({ t });
      }
    }
  });
  const outcomes = await runBatch(items);
  outcomes.forEach((o, i) => {
    const { t } = owners[i]!;
    if (t.result === 'valid') tally.checkVerifyValid(t, o);
    else if (t.result === 'invalid') tally.checkVerifyRejected(t, o);
    else tally.fail(t, 'an acceptable vector nobody pinned');
  });
  return tally;
}

function expectClean(tally: Tally, totalTests: number): void {
  expect(tally.failures).toEqual([]);
  expect(tally.counts.valid + tally.counts.invalid + tally.counts.acceptable).toBe(totalTests);
}

describe('Wycheproof signatures through the KMS (keys.import public-only, crypto.verify in crypto.batch)', () => {
  it('ed25519_test.json: each group key as jwk, spki or raw', async () => {
    interface G {
      publicKey: { pk: string };
      publicKeyDer: string;
      publicKeyJwk: Record<string, string>;
      tests: SigTest[];
    }
    const formats = ['jwk', 'spki', 'raw'] as const;
    const tally = await runSignatureFile<G>(
      'ed25519_test.json',
      (g, i) => {
        const format = formats[i % 3]!;
        const data = format === 'jwk' ? g.publicKeyJwk : b64u(hex(format === 'spki' ? g.publicKeyDer : g.publicKey.pk));
        return { format, data, algorithm: 'ed25519' };
      },
      (t) => [{ data: b64u(hex(t.msg)), signature: b64u(hex(t.sig)) }],
    );
    expectClean(tally, loadWycheproof('ed25519_test.json').numberOfTests);
    expect(tally.counts.valid).toBeGreaterThan(50);
  });

  interface EcdsaGroup {
    publicKey: { uncompressed: string; wx: string; wy: string };
    publicKeyDer: string;
    tests: SigTest[];
  }
  const ecdsaImport = (algorithm: string, crv: string) => (g: EcdsaGroup, i: number) => {
    const format = (['spki', 'raw', 'jwk'] as const)[i % 3]!;
    const data =
      format === 'spki'
        ? b64u(hex(g.publicKeyDer))
        : format === 'raw'
          ? b64u(hex(g.publicKey.uncompressed))
          : { kty: 'EC', crv, x: fixed(g.publicKey.wx, 32).toString('base64url'), y: fixed(g.publicKey.wy, 32).toString('base64url') };
    return { format, data, algorithm };
  };
  // Every vector twice: over the message, and over its SHA-256 digest with prehashed: true.
  const ecdsaVerify = (t: SigTest) => [
    { data: b64u(hex(t.msg)), signature: b64u(hex(t.sig)), format: 'der' },
    { data: b64u(sha256(hex(t.msg))), prehashed: true, signature: b64u(hex(t.sig)), format: 'der', hash: 'sha256' },
  ];

  it('ecdsa_secp256r1_sha256_test.json (format der, message and prehashed) through p256 keys', async () => {
    const tally = await runSignatureFile<EcdsaGroup>('ecdsa_secp256r1_sha256_test.json', ecdsaImport('p256', 'P-256'), ecdsaVerify);
    expectClean(tally, loadWycheproof('ecdsa_secp256r1_sha256_test.json').numberOfTests);
  });

  it('ecdsa_secp256k1_sha256_test.json (format der, message and prehashed) through secp256k1 keys', async () => {
    // The plain-ECDSA file (not Wycheproof's "bitcoin" variant): high-S signatures are valid in it, and the KMS
    // accepts them in der/p1363 verification (it only ever produces low-S; see secp256k1.ts).
    const tally = await runSignatureFile<EcdsaGroup>('ecdsa_secp256k1_sha256_test.json', ecdsaImport('secp256k1', 'secp256k1'), ecdsaVerify);
    expectClean(tally, loadWycheproof('ecdsa_secp256k1_sha256_test.json').numberOfTests);
  });

  it('rsa_signature_2048_sha256_test.json (scheme pkcs1) through rsa-2048 keys imported as spki, jwk and raw', async () => {
    interface G {
      publicKeyDer: string;
      keyJwk: Record<string, string>;
      tests: SigTest[];
    }
    const file = 'rsa_signature_2048_sha256_test.json';
    const data = loadWycheproof<G>(file);
    const tally = new Tally(file);
    const formats = ['spki', 'jwk', 'raw'] as const;
    const imported = await Promise.all(
      data.testGroups.map((g, i) => {
        const format = formats[i % 3]!;
        const { kty, n, e } = g.keyJwk;
        return importKey({ format, algorithm: 'rsa-2048', data: format === 'jwk' ? { kty: kty!, n: n!, e: e! } : b64u(hex(g.publicKeyDer)) });
      }),
    );
    const items: Item[] = [];
    const owners: SigTest[] = [];
    data.testGroups.forEach((g, i) => {
      const key = imported[i]!.key;
      expect(key, `group ${i} import: ${imported[i]!.kind}`).toBeDefined();
      for (const t of g.tests) {
        tally.seen(t);
        items.push({ method: 'crypto.verify', params: { id: key!.id, data: b64u(hex(t.msg)), signature: b64u(hex(t.sig)), scheme: 'pkcs1' } });
        owners.push(t);
      }
    });
    (await runBatch(items)).forEach((o, i) => {
      const t = owners[i]!;
      if (t.result === 'valid') tally.checkVerifyValid(t, o);
      else if (t.result === 'invalid') tally.checkVerifyRejected(t, o);
      else if (t.flags.includes('MissingNull')) {
        // acceptable 'MissingNull' (DigestInfo without the NULL parameter): OpenSSL refuses it, and so does the KMS.
        tally.pin('MissingNull: rejected');
        tally.checkVerifyRejected(t, o);
      } else tally.fail(t, 'an acceptable vector nobody pinned');
    });
    expectClean(tally, data.numberOfTests);
    expect(tally.report()).toEqual({ 'MissingNull: rejected': 1 });
  });

  it('mldsa_65_verify_test.json (with context strings) through ml-dsa-65 keys imported raw', async () => {
    interface G {
      publicKey: string;
      tests: SigTest[];
    }
    const tally = await runSignatureFile<G>(
      'mldsa_65_verify_test.json',
      (g) => ({ format: 'raw', data: b64u(hex(g.publicKey)), algorithm: 'ml-dsa-65' }),
      // A context over 255 bytes is refused by the schema (INVALID_REQUEST), alone, outside the batch.
      (t) => [{ data: b64u(hex(t.msg)), signature: b64u(hex(t.sig)), ...(t.ctx === undefined ? {} : { context: b64u(hex(t.ctx)) }) }],
    );
    expectClean(tally, loadWycheproof('mldsa_65_verify_test.json').numberOfTests);
    expect(tally.counts.valid).toBeGreaterThan(50);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Ciphers: AES-GCM, AES-CBC, ChaCha20-Poly1305, RSA-OAEP.

interface CipherTest extends WycheproofTest {
  key: string;
  iv: string;
  aad?: string;
  msg: string;
  ct: string;
  tag?: string;
}

const SYMMETRIC_BY_BYTES: Record<number, string> = { 16: 'aes-128', 32: 'aes-256' };

/** Raw symmetric keys of the file, one import per distinct key; AES-192 keys have no algorithm id. */
async function importSymmetric(tests: CipherTest[], algorithmOf: (keyBytes: number) => string) {
  const paramsOf = (t: CipherTest) => ({ format: 'raw', data: b64u(hex(t.key)), algorithm: algorithmOf(t.key.length / 2) });
  const imported = await importAll(tests.map(paramsOf));
  return (t: CipherTest) => imported.get(JSON.stringify(paramsOf(t)))!;
}

describe('Wycheproof ciphers through the KMS (keys.import raw, crypto.decrypt / crypto.encrypt in crypto.batch)', () => {
  it('aes_gcm_test.json: 96-bit IVs and 128-bit tags decrypt and re-encrypt; other sizes are INVALID_REQUEST', async () => {
    interface G {
      ivSize: number;
      keySize: number;
      tagSize: number;
      tests: CipherTest[];
    }
    const file = 'aes_gcm_test.json';
    const data = loadWycheproof<G>(file);
    const tally = new Tally(file);
    const all = data.testGroups.flatMap((g) => g.tests.map((t) => ({ t, g })));
    const keyOf = await importSymmetric(all.map((x) => x.t), (n) => SYMMETRIC_BY_BYTES[n] ?? 'aes-256');
    const items: Item[] = [];
    const owners: { t: CipherTest; what: 'decrypt' | 'encrypt'; sizeOk: boolean }[] = [];
    let refusedAes192 = 0;
    for (const { t, g } of all) {
      tally.seen(t);
      expect(t.result).not.toBe('acceptable'); // none in this file; pin any that a new version adds
      const { key, kind } = keyOf(t);
      if (g.keySize === 192) {
        // No aes-192 algorithm id (DESIGN.md lists aes-128 and aes-256): the key is refused at import.
        if (key || kind !== 'INVALID_REQUEST') tally.fail(t, `a 192-bit key was not refused with INVALID_REQUEST (${kind})`);
        refusedAes192++;
        continue;
      }
      if (!key) {
        tally.fail(t, `key import refused with ${kind}`);
        continue;
      }
      const sizeOk = g.ivSize === 96 && g.tagSize === 128;
      const dec = { id: key.id, mode: 'gcm', data: b64u(hex(t.ct)), iv: b64u(hex(t.iv)), tag: b64u(hex(t.tag!)), aad: b64u(hex(t.aad!)) };
      items.push({ method: 'crypto.decrypt', params: dec });
      owners.push({ t, what: 'decrypt', sizeOk });
      if (t.result === 'valid' || !sizeOk) {
        items.push({ method: 'crypto.encrypt', params: { id: key.id, mode: 'gcm', data: b64u(hex(t.msg)), iv: b64u(hex(t.iv)), aad: b64u(hex(t.aad!)) } });
        owners.push({ t, what: 'encrypt', sizeOk });
      }
    }
    (await runBatch(items)).forEach((o, i) => {
      const { t, what, sizeOk } = owners[i]!;
      // Only 96-bit IVs and full tags, whatever the vector's result (GHASH'd IVs and truncated tags are refused).
      if (!sizeOk) return tally.checkRefused(t, o, 'INVALID_REQUEST');
      if (what === 'encrypt') {
        tally.checkField(t, o, 'ciphertext', t.ct);
        tally.checkField(t, o, 'tag', t.tag!);
        return;
      }
      if (t.result === 'valid') tally.checkField(t, o, 'plaintext', t.msg);
      else tally.checkRefused(t, o, 'INVALID_REQUEST');
    });
    expectClean(tally, data.numberOfTests);
    expect(refusedAes192).toBeGreaterThan(0);
    expect(owners.filter((o) => o.sizeOk && o.what === 'decrypt').length).toBeGreaterThan(100);
  });

  it('aes_cbc_pkcs5_test.json: valid vectors decrypt and re-encrypt; bad padding is one INVALID_REQUEST', async () => {
    interface G {
      keySize: number;
      tests: CipherTest[];
    }
    const file = 'aes_cbc_pkcs5_test.json';
    const data = loadWycheproof<G>(file);
    const tally = new Tally(file);
    const all = data.testGroups.flatMap((g) => g.tests.map((t) => ({ t, g })));
    const keyOf = await importSymmetric(all.map((x) => x.t), (n) => SYMMETRIC_BY_BYTES[n] ?? 'aes-128');
    const items: Item[] = [];
    const owners: { t: CipherTest; what: 'decrypt' | 'encrypt' }[] = [];
    for (const { t, g } of all) {
      tally.seen(t);
      expect(t.result).not.toBe('acceptable');
      const { key, kind } = keyOf(t);
      if (g.keySize === 192) {
        if (key || kind !== 'INVALID_REQUEST') tally.fail(t, `a 192-bit key was not refused with INVALID_REQUEST (${kind})`);
        continue;
      }
      if (!key) {
        tally.fail(t, `key import refused with ${kind}`);
        continue;
      }
      items.push({ method: 'crypto.decrypt', params: { id: key.id, mode: 'cbc', data: b64u(hex(t.ct)), iv: b64u(hex(t.iv)) } });
      owners.push({ t, what: 'decrypt' });
      if (t.result === 'valid') {
        items.push({ method: 'crypto.encrypt', params: { id: key.id, mode: 'cbc', data: b64u(hex(t.msg)), iv: b64u(hex(t.iv)) } });
        owners.push({ t, what: 'encrypt' });
      }
    }
    const messages = new Set<string>();
    (await runBatch(items)).forEach((o, i) => {
      const { t, what } = owners[i]!;
      if (what === 'encrypt') return tally.checkField(t, o, 'ciphertext', t.ct);
      if (t.result === 'valid') return tally.checkField(t, o, 'plaintext', t.msg);
      tally.checkRefused(t, o, 'INVALID_REQUEST');
    });
    // One fixed answer for every bad padding (CBC without a MAC is a padding oracle when errors differ).
    for (const t of all.filter((x) => x.t.result === 'invalid' && x.g.keySize !== 192).slice(0, 40)) {
      const { key } = keyOf(t.t);
      try {
        await kms.client.call('crypto.decrypt', { id: key!.id, mode: 'cbc', data: b64u(hex(t.t.ct)), iv: b64u(hex(t.t.iv)) });
      } catch (e) {
        messages.add((e as Error).message);
      }
    }
    expect(messages.size).toBe(1);
    expectClean(tally, data.numberOfTests);
  });

  it('chacha20_poly1305_test.json: 96-bit nonces decrypt and re-encrypt; other nonce sizes are INVALID_REQUEST', async () => {
    interface G {
      ivSize: number;
      tests: CipherTest[];
    }
    const file = 'chacha20_poly1305_test.json';
    const data = loadWycheproof<G>(file);
    const tally = new Tally(file);
    const all = data.testGroups.flatMap((g) => g.tests.map((t) => ({ t, g })));
    const keyOf = await importSymmetric(all.map((x) => x.t), () => 'chacha20-poly1305');
    const items: Item[] = [];
    const owners: { t: CipherTest; what: 'decrypt' | 'encrypt'; sizeOk: boolean }[] = [];
    for (const { t, g } of all) {
      tally.seen(t);
      expect(t.result).not.toBe('acceptable');
      const { key, kind } = keyOf(t);
      if (!key) {
        tally.fail(t, `key import refused with ${kind}`);
        continue;
      }
      const sizeOk = g.ivSize === 96;
      const common = { id: key.id, mode: 'chacha20-poly1305', iv: b64u(hex(t.iv)), aad: b64u(hex(t.aad!)) };
      items.push({ method: 'crypto.decrypt', params: { ...common, data: b64u(hex(t.ct)), tag: b64u(hex(t.tag!)) } });
      owners.push({ t, what: 'decrypt', sizeOk });
      if (t.result === 'valid' || !sizeOk) {
        items.push({ method: 'crypto.encrypt', params: { ...common, data: b64u(hex(t.msg)) } });
        owners.push({ t, what: 'encrypt', sizeOk });
      }
    }
    (await runBatch(items)).forEach((o, i) => {
      const { t, what, sizeOk } = owners[i]!;
      if (!sizeOk) return tally.checkRefused(t, o, 'INVALID_REQUEST');
      if (what === 'encrypt') {
        tally.checkField(t, o, 'ciphertext', t.ct);
        tally.checkField(t, o, 'tag', t.tag!);
        return;
      }
      if (t.result === 'valid') tally.checkField(t, o, 'plaintext', t.msg);
      else tally.checkRefused(t, o, 'INVALID_REQUEST');
    });
    expectClean(tally, data.numberOfTests);
  });

  it('rsa_oaep_2048_sha256_mgf1sha256_test.json: the label is the aad; invalid vectors are one INVALID_REQUEST', async () => {
    interface G {
      privateKeyPkcs8: string;
      privateKeyJwk: Record<string, string>;
      tests: (WycheproofTest & { msg: string; ct: string; label: string })[];
    }
    const file = 'rsa_oaep_2048_sha256_mgf1sha256_test.json';
    const data = loadWycheproof<G>(file);
    const tally = new Tally(file);
    const items: Item[] = [];
    const owners: G['tests'] = [];
    for (const [i, g] of data.testGroups.entries()) {
      // The private key as PKCS#8 for the first group, as a JWK otherwise (the file has one group; both are tried).
      const viaPkcs8 = await importKey({ format: 'pkcs8', data: b64u(hex(g.privateKeyPkcs8)), algorithm: 'rsa-2048' });
      const { kid: _kid, alg: _alg, ...jwk } = g.privateKeyJwk;
      const viaJwk = await importKey({ format: 'jwk', data: jwk, algorithm: 'rsa-2048' });
      expect(viaPkcs8.key?.publicKey?.raw, `group ${i}: ${viaPkcs8.kind}`).toBeDefined();
      expect(viaJwk.key?.publicKey?.raw, `group ${i}: ${viaJwk.kind}`).toBe(viaPkcs8.key!.publicKey!.raw);
      for (const t of g.tests) {
        tally.seen(t);
        for (const key of [viaPkcs8.key!, viaJwk.key!]) {
          items.push({
            method: 'crypto.decrypt',
            params: { id: key.id, mode: 'oaep', data: b64u(hex(t.ct)), ...(t.label ? { aad: b64u(hex(t.label)) } : {}) },
          });
          owners.push(t);
        }
      }
    }
    (await runBatch(items)).forEach((o, i) => {
      const t = owners[i]!;
      expect(t.result).not.toBe('acceptable');
      if (t.result === 'valid') tally.checkField(t, o, 'plaintext', t.msg);
      else tally.checkRefused(t, o, 'INVALID_REQUEST');
    });
    expectClean(tally, data.numberOfTests);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// MAC: HMAC-SHA256.

describe('Wycheproof MAC through the KMS', () => {
  it('hmac_sha256_test.json: crypto.mac equals the tag; crypto.macVerify takes full-length tags only', async () => {
    interface G {
      keySize: number;
      tagSize: number;
      tests: (WycheproofTest & { key: string; msg: string; tag: string })[];
    }
    const file = 'hmac_sha256_test.json';
    const data = loadWycheproof<G>(file);
    const tally = new Tally(file);
    const all = data.testGroups.flatMap((g) => g.tests.map((t) => ({ t, g })));
    const imported = await importAll(all.map(({ t }) => ({ format: 'raw', data: b64u(hex(t.key)), algorithm: 'hmac-sha256' })));
    const items: Item[] = [];
    const owners: { t: G['tests'][number]; what: 'mac' | 'macVerify'; full: boolean }[] = [];
    for (const { t, g } of all) {
      tally.seen(t);
      expect(t.result).not.toBe('acceptable');
      const { key, kind } = imported.get(JSON.stringify({ format: 'raw', data: b64u(hex(t.key)), algorithm: 'hmac-sha256' }))!;
      if (!key) {
        tally.fail(t, `key import refused with ${kind}`);
        continue;
      }
      const full = g.tagSize === 256;
      items.push({ method: 'crypto.mac', params: { id: key.id, data: b64u(hex(t.msg)) } });
      owners.push({ t, what: 'mac', full });
      items.push({ method: 'crypto.macVerify', params: { id: key.id, data: b64u(hex(t.msg)), mac: b64u(hex(t.tag)) } });
      owners.push({ t, what: 'macVerify', full });
    }
    (await runBatch(items)).forEach((o, i) => {
      const { t, what, full } = owners[i]!;
      if (!o?.ok) return tally.fail(t, `${what} refused with ${o?.kind}`);
      if (what === 'mac') {
        // The full MAC; a truncated vector's tag must be its prefix exactly when the vector is valid.
        const mac = Buffer.from(String(o.result.mac), 'base64url').toString('hex');
        if (mac.length !== 64) tally.fail(t, `mac is ${mac.length / 2} bytes`);
        if (mac.startsWith(t.tag) !== (t.result === 'valid')) tally.fail(t, `mac ${mac} vs tag ${t.tag}`);
        return;
      }
      // macVerify: full tags verify exactly when valid; truncated tags are never accepted (no truncation policy).
      const expected = full && t.result === 'valid';
      if (o.result.valid !== expected) tally.fail(t, `macVerify valid ${JSON.stringify(o.result.valid)}, expected ${expected}`);
    });
    expectClean(tally, data.numberOfTests);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Key agreement: X25519, ECDH P-256 / secp256k1 (crypto.agree raw: true on private keys imported with
// allowRawAgreement; agree is not batchable, so these are single calls, pipelined).

interface AgreeTest extends WycheproofTest {
  public: string;
  private: string;
  shared: string;
}

describe('Wycheproof key agreement through the KMS (crypto.agree raw: true)', () => {
  it('x25519_test.json: private keys imported as pkcs8 or jwk with allowRawAgreement, peers as raw or jwk', async () => {
    const file = 'x25519_test.json';
    const data = loadWycheproof<{ tests: AgreeTest[] }>(file);
    const tally = new Tally(file);
    const tests = data.testGroups.flatMap((g) => g.tests);
    // RFC 8410 PKCS#8 of a raw X25519 private key: a fixed header and the 32 bytes.
    const pkcs8 = (d: string) => Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), hex(d)]);
    const paramsOf = (t: AgreeTest, i: number) => {
      if (i % 2 === 0) return { format: 'pkcs8', data: b64u(pkcs8(t.private)), algorithm: 'x25519', allowRawAgreement: true };
      const jwk = createPrivateKey({ key: pkcs8(t.private), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
      return { format: 'jwk', data: { kty: 'OKP', crv: 'X25519', x: String(jwk.x), d: String(jwk.d) }, allowRawAgreement: true };
    };
    const params = tests.map(paramsOf);
    const imported = await importAll(params);
    const outcomes = await Promise.all(
      tests.map(async (t, i) => {
        const { key, kind } = imported.get(JSON.stringify(params[i]))!;
        if (!key) return { ok: false as const, kind: `private key import refused with ${kind}` };
        expect(key.purposes).toEqual(['agree']);
        const peer = i % 3 === 0 ? { kty: 'OKP', crv: 'X25519', x: b64u(hex(t.public)) } : b64u(hex(t.public));
        return single('crypto.agree', { id: key.id, peerPublicKey: peer, raw: true });
      }),
    );
    tests.forEach((t, i) => {
      tally.seen(t);
      const o = outcomes[i];
      if (t.result === 'valid') return tally.checkField(t, o, 'sharedSecret', t.shared);
      expect(t.result).toBe('acceptable'); // the file has no invalid vectors
      if (t.flags.includes('ZeroSharedSecret')) {
        // acceptable 'ZeroSharedSecret' (low-order public points give an all-zero secret): refused, as RFC 7748
        // section 6.1 allows and recommends.
        tally.pin('ZeroSharedSecret: refused');
        return tally.checkRefused(t, o, 'INVALID_REQUEST');
      }
      // acceptable Twist / NonCanonicalPublic / SmallPublicKey / EdgeCase* / SpecialPublicKey: RFC 7748 computes
      // them (the top bit masked, u reduced mod p) and so does the KMS: the specified shared secret.
      tally.pin('other acceptable: RFC 7748 result');
      tally.checkField(t, o, 'sharedSecret', t.shared);
    });
    expectClean(tally, data.numberOfTests);
    expect(tally.report()['ZeroSharedSecret: refused']).toBeGreaterThan(0);
  });

  /** How an acceptable ECDH vector is pinned, by flag (the reason is the comment). */
  function ecdhAcceptable(flags: string[]): 'shared' | 'refused' {
    // CompressedPublic / CompressedPoint: SEC1 allows compressed points in SPKI; OpenSSL parses them and so do we.
    if (flags.includes('CompressedPublic') || flags.includes('CompressedPoint')) return 'shared';
    // InvalidAsn (BER, long lengths, trailing data), UnusedParam, UnnamedCurve (explicit parameters), WrongOrder,
    // ModifiedGenerator/Cofactor, ModifiedCurveParameter, NoCofactor: the KMS imports only DER SPKI with the named
    // curve, so the peer key is refused (INVALID_REQUEST) at keys.import.
    return 'refused';
  }

  it.each([
    ['ecdh_secp256r1_test.json', 'p256', 'P-256', 'prime256v1'],
    ['ecdh_secp256k1_test.json', 'secp256k1', 'secp256k1', 'secp256k1'],
  ] as const)('%s: private keys as jwk with allowRawAgreement; peer SPKI through keys.import, then raw or jwk', async (file, algorithm, crv, nodeCurve) => {
    const data = loadWycheproof<{ tests: AgreeTest[] }>(file);
    const tally = new Tally(file);
    const tests = data.testGroups.flatMap((g) => g.tests);
    const privateParams = (t: AgreeTest) => {
      const d = fixed(t.private, 32);
      const ecdh = createECDH(nodeCurve);
      ecdh.setPrivateKey(d);
      const point = ecdh.getPublicKey();
      return {
        format: 'jwk',
        data: { kty: 'EC', crv, x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url'), d: d.toString('base64url') },
        allowRawAgreement: true,
      };
    };
    const peerParams = (t: AgreeTest) => ({ format: 'spki', data: b64u(hex(t.public)), algorithm });
    const [privates, peers] = await Promise.all([importAll(tests.map(privateParams)), importAll(tests.map(peerParams))]);
    const outcomes = await Promise.all(
      tests.map(async (t, i): Promise<Outcome> => {
        const priv = privates.get(JSON.stringify(privateParams(t)))!;
        if (!priv.key) return { ok: false, kind: `private key import refused with ${priv.kind}` };
        const peer = peers.get(JSON.stringify(peerParams(t)))!;
        if (!peer.key) return { ok: false, kind: peer.kind! }; // the peer's SPKI itself is refused
        const peerPublicKey = i % 2 === 0 ? peer.key.publicKey!.raw : peer.key.publicKey!.jwk!;
        return single('crypto.agree', { id: priv.key.id, peerPublicKey, raw: true });
      }),
    );
    tests.forEach((t, i) => {
      tally.seen(t);
      const o = outcomes[i];
      const expected = t.result === 'acceptable' ? ecdhAcceptable(t.flags) : t.result === 'valid' ? 'shared' : 'refused';
      if (t.result === 'acceptable') tally.pin(`${t.flags.join(',')}: ${expected}`);
      if (expected === 'shared') tally.checkField(t, o, 'sharedSecret', t.shared);
      else tally.checkRefused(t, o, 'INVALID_REQUEST');
    });
    expectClean(tally, data.numberOfTests);
    expect(tally.counts.acceptable).toBeGreaterThan(0);
  });
});

describe('the KMS after the vectors', () => {
  it('still serves, and its audit chain verifies', async () => {
    expect(await kindOf(kms.client.call('kms.status', {}))).toBe('resolved');
    expect((await kms.client.call('audit.verify', {})).ok).toBe(true);
  });
});
