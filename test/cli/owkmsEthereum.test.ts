// Issue 12's methods on the owkms command line, through the real owkms and KMS: eth sign-tx and eth sign-typed-data
// checked by ethers (the sender recovered from the signed transaction, the typed-data signer recovered), and
// verify-public with keys made by openssl and node:crypto, as PEM, raw and JWK; none of it needs the keystore open.
import { generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { Transaction, verifyTypedData } from 'ethers';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { b64u, removeDir, tempDir } from '../helpers/kms.js';
import { jsonOut, owkms } from '../helpers/owkms.js';
import { MAIL, MAIL_STRUCT_TYPES } from '../helpers/eip712Mail.js';

const ENV = { OWKMS_PASSPHRASE: 'owkms ethereum passphrase' };
let dir: string;
let store: string;

async function run(args: string[], stdin?: string, env: Record<string, string> = ENV) {
  return owkms(['--store', store, '--json', ...args], { env, timeoutMs: 60_000, ...(stdin === undefined ? {} : { stdin }) });
}
async function ok<T = Record<string, unknown>>(args: string[], stdin?: string): Promise<T> {
  const r = await run(args, stdin);
  expect(r.code, `owkms ${args.join(' ')}: ${r.stdout.slice(0, 400)} ${r.stderr.slice(0, 400)}`).toBe(0);
  return jsonOut<T>(r);
}


let account: KeyInfo;
beforeAll(async () => {
  dir = tempDir('owkms-eth-');
  store = join(dir, 'store');
  await ok(['init']);
  const seed = await ok<KeyInfo>(['keys', 'generate', '--alg', 'hd-seed']);
  account = await ok<KeyInfo>(['keys', 'derive', seed.id, '--path', "m/44'/60'/0'/0/0", '--child', 'secp256k1']);
}, 90_000);
afterAll(() => removeDir(dir));

describe('owkms eth', () => {
  it('sign-tx: an EIP-1559 transaction ethers parses field by field, sent from the key', async () => {
    const to = '0x000000000000000000000000000000000000dEaD';
    const out = await ok<{ signedTransaction: string; hash: string; from: string }>([
      'eth', 'sign-tx', account.id, '--chain-id', '11155111', '--nonce', '7', '--to', to, '--value', '1500000000000000000',
      '--gas-limit', '30000', '--max-fee', '30000000000', '--max-priority-fee', '1000000000', '--data', '0xdeadbeef',
    ]);
    const tx = Transaction.from(out.signedTransaction);
    expect(tx.type).toBe(2);
    expect(tx.chainId).toBe(11155111n);
    expect(tx.nonce).toBe(7);
    expect(tx.to).toBe(to);
    expect(tx.value).toBe(1_500_000_000_000_000_000n);
    expect(tx.gasLimit).toBe(30000n);
    expect(tx.maxFeePerGas).toBe(30_000_000_000n);
    expect(tx.maxPriorityFeePerGas).toBe(1_000_000_000n);
    expect(tx.data).toBe('0xdeadbeef');
    expect(tx.from).toBe(out.from);
    expect(tx.hash).toBe(out.hash);
  }, 60_000);

  it('sign-tx refuses a malformed amount before a KMS starts (exit 2)', async () => {
    const r = await run(['eth', 'sign-tx', account.id, '--chain-id', '1', '--nonce', '0', '--to', '0x' + '11'.repeat(20), '--value', '1.5', '--gas-limit', '21000', '--max-fee', '1', '--max-priority-fee', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr + r.stdout).toMatch(/--value/);
  }, 60_000);

  it('sign-typed-data: the EIP-712 example signed, the signer ethers recovers is the key', async () => {
    const out = await ok<{ signature: string; hash: string; from: string }>(['eth', 'sign-typed-data', account.id], JSON.stringify(MAIL));
    expect(verifyTypedData(MAIL.domain, MAIL_STRUCT_TYPES, MAIL.message, out.signature)).toBe(out.from);
    const bad = await run(['eth', 'sign-typed-data', account.id], 'not json');
    expect(bad.code).toBe(2);
  }, 60_000);
});

describe('owkms verify-public', () => {
  const message = 'signed elsewhere';
  it('an Ed25519 signature from node:crypto, the key as PEM, raw and JWK; a wrong signature exits 1; no passphrase needed', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const sig = b64u(nodeSign(null, Buffer.from(message), privateKey));
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const jwk = JSON.stringify(publicKey.export({ format: 'jwk' }));
    const raw = b64u(Buffer.from((publicKey.export({ format: 'jwk' }) as { x: string }).x, 'base64url'));
    const noSecret = { OWKMS_PASSPHRASE: '' };
    for (const key of [pem, jwk, raw]) {
      const r = await run(['verify-public', '--alg', 'ed25519', '--public-key', key, '--signature', sig], message, noSecret);
      expect({ code: r.code, out: jsonOut(r), key: key.slice(0, 20) }).toEqual({ code: 0, out: { valid: true }, key: key.slice(0, 20) });
    }
    const wrong = await run(['verify-public', '--alg', 'ed25519', '--public-key', pem, '--signature', sig], 'another message', noSecret);
    expect({ code: wrong.code, out: jsonOut(wrong) }).toEqual({ code: 1, out: { valid: false } });
  }, 90_000);

  it('a P-256 DER signature from node:crypto against the SPKI as base64url', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const sig = b64u(nodeSign('sha256', Buffer.from(message), { key: privateKey, dsaEncoding: 'der' }));
    const spki = b64u(publicKey.export({ format: 'der', type: 'spki' }));
    const out = await ok(['verify-public', '--alg', 'p256', '--public-key', spki, '--key-format', 'spki', '--signature', sig, '--format', 'der'], message);
    expect(out).toEqual({ valid: true });
  }, 60_000);

  it('a private key given as the public key is refused, and a JWK with --key-format raw is a usage error', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
    const r = await run(['verify-public', '--alg', 'ed25519', '--public-key', jwk, '--signature', 'AAAA'], message);
    expect(r.code).toBe(1);
    expect(jsonOut<{ error: { kind: string } }>(r).error.kind).toBe('INVALID_REQUEST');
    const mixed = await run(['verify-public', '--alg', 'ed25519', '--public-key', jwk, '--key-format', 'raw', '--signature', 'AAAA'], message);
    expect(mixed.code).toBe(2);
  }, 60_000);
});
