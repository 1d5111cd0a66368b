// The inputs users actually have, and the options that were out of reach, through the real owkms (issue 9): keys
// from openssl as PEM (PKCS#8, SEC1, SPKI) and as raw private scalars, checked by openssl; JWS from p521, RSA and
// ML-DSA keys checked by jose and noble; ML-DSA --context; agree with a PEM peer, --salt and --info (HKDF checked with
// node:crypto) and --raw; --purposes, --callers and keys update narrowing a key; encapsulate --raw; batch.
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { compactVerify, importJWK } from 'jose';
import { createHmac, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { openssl } from '../helpers/openssl.js';
import { jsonOut, owkms } from '../helpers/owkms.js';

const ENV = { OWKMS_PASSPHRASE: 'owkms inputs passphrase' };
let dir: string;
let store: string;

async function ok<T = Record<string, unknown>>(args: string[], stdin?: string | Uint8Array): Promise<T> {
  const run = await owkms(['--store', store, '--json', ...args], { env: ENV, timeoutMs: 60_000, ...(stdin === undefined ? {} : { stdin }) });
  expect(run.code, `owkms ${args.join(' ')}: ${run.stdout.slice(0, 400)} ${run.stderr.slice(0, 400)}`).toBe(0);
  return jsonOut<T>(run);
}
async function fails(args: string[], kind: string, stdin?: string | Uint8Array): Promise<string> {
  const run = await owkms(['--store', store, '--json', ...args], { env: ENV, timeoutMs: 60_000, ...(stdin === undefined ? {} : { stdin }) });
  expect({ args, code: run.code }).toEqual({ args, code: 1 });
  const { error } = jsonOut<{ error: { kind: string; message: string } }>(run);
  expect(error.kind).toBe(kind);
  return error.message;
}
/** A file in the test folder, for openssl. */
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

beforeAll(async () => {
  dir = tempDir('owkms-inputs-');
  store = join(dir, 'store');
  await ok(['init']);
}, 60_000);
afterAll(() => removeDir(dir));

describe('keys from openssl', () => {
  it('an Ed25519 PKCS#8 PEM from genpkey imports without --alg and signs what openssl verifies', async () => {
    const pem = openssl(['genpkey', '-algorithm', 'ed25519']);
    const key = await ok<KeyInfo>(['keys', 'import', '--format', 'pkcs8', '--label', 'from openssl'], pem);
    expect(key.algorithm).toBe('ed25519');
    const msg = file('msg', 'signed by the KMS');
    const { signature } = await ok<{ signature: string }>(['sign', key.id], 'signed by the KMS');
    const sig = file('ed.sig', unb64u(signature));
    const pub = file('ed.pub', openssl(['pkey', '-pubout'], pem));
    expect(openssl(['pkeyutl', '-verify', '-pubin', '-inkey', pub, '-rawin', '-in', msg, '-sigfile', sig]).toString()).toContain('Signature Verified Successfully');
  }, 60_000);

  it('a secp256k1 SEC1 PEM ("EC PRIVATE KEY") and its 32-byte raw scalar give the same key, which openssl checks', async () => {
    const pem = openssl(['ecparam', '-name', 'secp256k1', '-genkey', '-noout']);
    const fromPem = await ok<KeyInfo>(['keys', 'import', '--format', 'pkcs8'], pem);
    const scalar = Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url');
    const fromScalar = await ok<KeyInfo>(['keys', 'import', '--format', 'raw', '--alg', 'secp256k1'], scalar);
    expect(fromScalar.publicKey).toEqual(fromPem.publicKey);
    expect(fromScalar.algorithm).toBe('secp256k1');
    const { signature } = await ok<{ signature: string }>(['sign', fromScalar.id, '--format', 'der'], 'bitcoin');
    const pub = file('k1.pub', openssl(['ec', '-pubout'], pem));
    const out = openssl(['dgst', '-sha256', '-verify', pub, '-signature', file('k1.sig', unb64u(signature)), file('k1.msg', 'bitcoin')]);
    expect(out.toString()).toContain('Verified OK');
  }, 60_000);

  it('a p256 scalar with --private, an Ed25519 private key with --private, and a PEM SPKI public key', async () => {
    const p256 = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    const d = Buffer.from(createPrivateKey(p256).export({ format: 'jwk' }).d!, 'base64url');
    const k = await ok<KeyInfo>(['keys', 'import', '--format', 'raw', '--alg', 'p256', '--private'], d);
    expect(createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' }).equals(createPublicKey(p256))).toBe(true);

    const ed = generateKeyPairSync('ed25519');
    const seed = Buffer.from(ed.privateKey.export({ format: 'jwk' }).d!, 'base64url');
    const edKey = await ok<KeyInfo>(['keys', 'import', '--format', 'raw', '--alg', 'ed25519', '--private'], seed);
    expect(edKey.publicKey!.raw).toBe(ed.publicKey.export({ format: 'jwk' }).x);
    // Without --private, 32 bytes are a public key; 64 bytes are neither, and the message says what raw is.
    expect((await ok<KeyInfo>(['keys', 'import', '--format', 'raw', '--alg', 'ed25519'], unb64u(edKey.publicKey!.raw))).purposes).toEqual(['verify']);
    const message = await fails(['keys', 'import', '--format', 'raw', '--alg', 'ed25519'], 'INVALID_REQUEST', Buffer.concat([seed, seed]));
    expect(message).toMatch(/must be 32 bytes, not 64; a raw private key is imported with private: true/);

    const spki = openssl(['pkey', '-pubout'], p256);
    // And back out as PEM, which openssl reads as the same key.
    const exported = await owkms(['--store', store, 'keys', 'export', k.id, '--format', 'spki', '--pem'], { env: ENV });
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(openssl(['pkey', '-pubin', '-pubout'], exported.stdout).toString()).toBe(spki.toString());
    const pubOnly = await ok<KeyInfo>(['keys', 'import', '--format', 'spki'], spki);
    expect(pubOnly).toMatchObject({ algorithm: 'p256', purposes: ['verify'], publicKey: k.publicKey });
    const sig = openssl(['dgst', '-sha256', '-sign', file('p256.pem', p256), file('p256.msg', 'from openssl')]);
    expect(await ok(['verify', pubOnly.id, '--signature', sig.toString('base64url'), '--format', 'der'], 'from openssl')).toEqual({ valid: true });
  }, 90_000);
});

describe('JWS with every kind of signing key', () => {
  it('ES512 (p521), RS384 (rsa-2048) verified by jose; ML-DSA-65 with its RFC 9964 name verified by noble', async () => {
    for (const [alg, header, jose] of [['p521', undefined, 'ES512'], ['rsa-2048', '{"alg":"RS384"}', 'RS384']] as const) {
      const key = await ok<KeyInfo>(['keys', 'generate', '--alg', alg]);
      const { jws } = await ok<{ jws: string }>(['jws', key.id, ...(header ? ['--header', header] : [])], '{"sub":"alice"}');
      const verified = await compactVerify(jws, await importJWK(key.publicKey!.jwk as never, jose), { algorithms: [jose] });
      expect([verified.protectedHeader.alg, new TextDecoder().decode(verified.payload)]).toEqual([jose, '{"sub":"alice"}']);
    }
    const pq = await ok<KeyInfo>(['keys', 'generate', '--alg', 'ml-dsa-65']);
    const { jws } = await ok<{ jws: string }>(['jws', pq.id], 'post-quantum');
    const [h, p, s] = jws.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'ML-DSA-65' });
    expect(ml_dsa65.verify(unb64u(s), Buffer.from(`${h}.${p}`), unb64u(pq.publicKey!.raw))).toBe(true);

    // --context (FIPS 204): the signature verifies with that context only.
    const ctx = Buffer.from('owkms test context');
    const { signature } = await ok<{ signature: string }>(['sign', pq.id, '--context', ctx.toString('base64url')], 'pq data');
    expect(ml_dsa65.verify(unb64u(signature), Buffer.from('pq data'), unb64u(pq.publicKey!.raw), { context: ctx })).toBe(true);
    const noContext = await owkms(['--store', store, '--json', 'verify', pq.id, '--signature', signature], { env: ENV, stdin: 'pq data' });
    expect([noContext.code, jsonOut(noContext)]).toEqual([1, { valid: false }]);

    const x = await ok<KeyInfo>(['keys', 'generate', '--alg', 'x25519']);
    expect(await fails(['jws', x.id], 'UNSUPPORTED', 'x')).toMatch(/^x25519 keys have no JOSE signature algorithm/);
  }, 120_000);
});

describe('shared secrets', () => {
  it('agree: --raw gives the X25519 secret; a PEM peer with --salt, --info and --derive-alg stores HKDF of it', async () => {
    const mine = await ok<KeyInfo>(['keys', 'generate', '--alg', 'x25519', '--allow-raw-agreement']);
    const peer = generateKeyPairSync('x25519');
    const mineKey = createPublicKey({ key: mine.publicKey!.jwk as never, format: 'jwk' });
    const secret = diffieHellman({ privateKey: peer.privateKey, publicKey: mineKey });
    const peerRaw = peer.publicKey.export({ format: 'jwk' }).x!;
    expect(await ok(['agree', mine.id, '--peer', peerRaw, '--raw'])).toEqual({ sharedSecret: secret.toString('base64url') });

    const [salt, info] = [Buffer.from('salt from the protocol'), Buffer.from('info: session 7')];
    const pem = peer.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const { key } = await ok<{ key: KeyInfo }>(['agree', mine.id, '--peer', pem, '--derive-alg', 'hmac-sha256', '--salt', salt.toString('base64url'), '--info', info.toString('base64url'), '--label', 'session']);
    expect(key).toMatchObject({ algorithm: 'hmac-sha256', label: 'session' });
    const { mac } = await ok<{ mac: string }>(['mac', key.id], 'hello');
    const derived = Buffer.from(hkdfSync('sha256', secret, salt, info, 32));
    expect(mac).toBe(createHmac('sha256', derived).update('hello').digest('base64url'));
  }, 90_000);

  it('encapsulate --raw and decapsulate --raw give the same ML-KEM secret; without the policy flag, POLICY_DENIED', async () => {
    const kem = await ok<KeyInfo>(['keys', 'generate', '--alg', 'ml-kem-768', '--allow-raw-agreement']);
    const enc = await ok<{ ciphertext: string; sharedSecret: string }>(['encapsulate', kem.id, '--raw']);
    expect(unb64u(enc.sharedSecret)).toHaveLength(32);
    expect(await ok(['decapsulate', kem.id, '--ciphertext', enc.ciphertext, '--raw'])).toEqual({ sharedSecret: enc.sharedSecret });
    const plain = await ok<KeyInfo>(['keys', 'generate', '--alg', 'ml-kem-768']);
    await fails(['encapsulate', plain.id, '--raw'], 'POLICY_DENIED');
  }, 90_000);
});

describe('policy options', () => {
  it('--purposes and --callers limit a new key; keys update narrows one; batch answers each item', async () => {
    const verifyOnly = await ok<KeyInfo>(['keys', 'generate', '--alg', 'ed25519', '--purposes', 'verify']);
    expect(verifyOnly.purposes).toEqual(['verify']);
    await fails(['sign', verifyOnly.id], 'POLICY_DENIED', 'x');
    const appOnly = await ok<KeyInfo>(['keys', 'generate', '--alg', 'ed25519', '--callers', 'app']);
    expect(appOnly.callers).toEqual(['app']);
    await fails(['sign', appOnly.id], 'POLICY_DENIED', 'x');

    const key = await ok<KeyInfo>(['keys', 'generate', '--alg', 'p256', '--label', 'before']);
    const updated = await ok<KeyInfo>(['keys', 'update', key.id, '--label', 'after', '--purposes', 'verify']);
    expect(updated).toMatchObject({ label: 'after', purposes: ['verify'] });
    await fails(['sign', key.id], 'POLICY_DENIED', 'x');

    const mac = await ok<KeyInfo>(['keys', 'generate', '--alg', 'hmac-sha256']);
    const items = [
      { method: 'crypto.mac', params: { id: mac.id, data: 'aGk' } },
      { method: 'crypto.sign', params: { id: key.id, data: 'aGk' } },
    ];
    const { results } = await ok<{ results: Array<{ result?: unknown; error?: { kind: string } }> }>(['batch'], JSON.stringify(items));
    expect(results.map((r) => (r.error ? r.error.kind : 'ok'))).toEqual(['ok', 'POLICY_DENIED']);
  }, 120_000);
});
