// crypto.signEthTransaction and crypto.signTypedData through a real KMS child, checked by implementations the KMS
// does not use for that job: ethers parses the signed transaction and recovers its sender; micro-eth-signer
// verifies the typed data signatures; the EIP-712 specification's own example (the "Mail" message signed by the
// key keccak256("cow")) pins the digest and the RFC 6979 signature byte for byte. Also: every call from `ui`
// needs approval, malformed params are refused before any approval is asked, and crypto.verifyWithPublicKey.
import { createHash, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { Transaction as EthersTransaction, keccak256 } from 'ethers';
import fc from 'fast-check';
import { addr, verifyTyped } from 'micro-eth-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../../kms-process/api/index.js';
import { b64u, kindOf, removeDir, startInitializedKms, type TestKms } from '../../helpers/kms.js';
import { MAIL, MAIL_DIGEST } from '../../helpers/eip712Mail.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startInitializedKms({ callers: ['test', 'ui', 'app'] });
});
afterAll(async () => {
  await kms?.stop();
  if (kms) removeDir(kms.dir);
});

type Caller = 'test' | 'ui' | 'app';
const call = <T = Record<string, unknown>>(method: string, params: object, caller: Caller = 'test') =>
  kms.client.callUnchecked(method, params, { caller }) as Promise<T>;

/** The EIP-712 specification's example (eips.ethereum.org/EIPS/eip-712, "Example" and its test file). */
const MAIL_SIGNATURE =
  '0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b915621c';

function secp256k1Jwk(secret: Uint8Array): Record<string, string> {
  const pub = secp256k1.getPublicKey(secret, false);
  const enc = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return { kty: 'EC', crv: 'secp256k1', x: enc(pub.subarray(1, 33)), y: enc(pub.subarray(33)), d: enc(secret) };
}

const TX = {
  chainId: '11155111',
  nonce: '7',
  to: addr.addChecksum('0xdf90dea0e0bf5ca6d2a7f0cb86874ba6714f463e'),
  value: '12500000000000000',
  gasLimit: '21000',
  maxFeePerGas: '30000000000',
  maxPriorityFeePerGas: '1500000000',
};

describe('Ethereum signing in the KMS', () => {
  let eth: KeyInfo;
  beforeAll(async () => {
    eth = await call<KeyInfo>('keys.generate', { algorithm: 'secp256k1', label: 'eth' });
  });

  it('EIP-712 example: the digest and the signature of the specification, byte for byte', async () => {
    const cow = await call<KeyInfo>('keys.import', { format: 'jwk', data: secp256k1Jwk(keccak_256(new TextEncoder().encode('cow'))) });
    expect(cow.extra?.ethereumAddress).toBe('0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826');
    const r = await call<{ signature: string; hash: string; from: string }>('crypto.signTypedData', { id: cow.id, typedData: MAIL });
    expect(r.hash).toBe(MAIL_DIGEST);
    expect(r.signature).toBe(MAIL_SIGNATURE);
    expect(r.from).toBe('0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826');
  });

  it('an EIP-1559 transaction: ethers parses exactly the fields given and recovers the key address', async () => {
    const r = await call<{ signedTransaction: string; hash: string; from: string }>('crypto.signEthTransaction', { id: eth.id, tx: { ...TX, gasLimit: '60000', data: '0xa9059cbb' } });
    const parsed = EthersTransaction.from(r.signedTransaction);
    expect(parsed.type).toBe(2);
    expect(parsed.chainId).toBe(11155111n);
    expect(parsed.nonce).toBe(7);
    expect(parsed.to).toBe(TX.to);
    expect(parsed.value).toBe(12_500_000_000_000_000n);
    expect(parsed.gasLimit).toBe(60000n);
    expect(parsed.maxFeePerGas).toBe(30_000_000_000n);
    expect(parsed.maxPriorityFeePerGas).toBe(1_500_000_000n);
    expect(parsed.data).toBe('0xa9059cbb');
    expect(parsed.from).toBe(eth.extra?.ethereumAddress);
    expect(r.from).toBe(eth.extra?.ethereumAddress);
    expect(r.hash).toBe(keccak256(r.signedTransaction));
    expect(parsed.hash).toBe(r.hash);
  });

  it('random typed data: micro-eth-signer verifies every signature against the key address', async () => {
    const word = fc.stringMatching(/^[a-z]{1,12}$/);
    await fc.assert(
      fc.asyncProperty(word, fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }), fc.integer({ min: 1, max: 1_000_000 }), async (name, amount, notes, chainId) => {
        const typed = {
          types: {
            Item: [{ name: 'note', type: 'string' }],
            Order: [
              { name: 'owner', type: 'address' },
              { name: 'amount', type: 'uint256' },
              { name: 'items', type: 'Item[]' },
              { name: 'tag', type: 'bytes32' },
            ],
          },
          primaryType: 'Order',
          domain: { name, chainId },
          message: {
            owner: eth.extra!.ethereumAddress!,
            amount: amount.toString(),
            items: notes.map((note) => ({ note })),
            tag: `0x${createHash('sha256').update(name).digest('hex')}`,
          },
        };
        const r = await call<{ signature: string; from: string }>('crypto.signTypedData', { id: eth.id, typedData: typed });
        expect(verifyTyped(r.signature, typed as never, eth.extra!.ethereumAddress!)).toBe(true);
      }),
      { numRuns: 15, seed: 12 },
    );
  });

  it('from ui every call needs approval; app and the CLI sign', async () => {
    expect(await kindOf(call('crypto.signEthTransaction', { id: eth.id, tx: TX }, 'ui'))).toBe('APPROVAL_DENIED');
    expect(await kindOf(call('crypto.signTypedData', { id: eth.id, typedData: MAIL }, 'ui'))).toBe('APPROVAL_DENIED');
    expect(await kindOf(call('crypto.signEthTransaction', { id: eth.id, tx: TX }, 'app'))).toBe('resolved');
  });

  it('malformed params are refused before any approval is asked', async () => {
    const bad = [
      { ...TX, to: TX.to.replace(/[a-f]/, (c) => c.toUpperCase()) }, // a broken EIP-55 checksum
      { ...TX, maxPriorityFeePerGas: '40000000000' }, // more than the max fee
      { ...TX, value: '-1' },
      { ...TX, data: '0xabc' },
      { ...TX, gas: '1' },
      { ...TX, data: '0x00' }, // 21000 gas is below the intrinsic gas of a call with data
    ];
    for (const tx of bad) expect(await kindOf(call('crypto.signEthTransaction', { id: eth.id, tx }, 'ui')), JSON.stringify(tx)).toBe('INVALID_REQUEST');
    const reordered = { ...MAIL, types: { ...MAIL.types, EIP712Domain: [...MAIL.types.EIP712Domain].reverse() } };
    expect(await kindOf(call('crypto.signTypedData', { id: eth.id, typedData: reordered }, 'ui'))).toBe('INVALID_REQUEST');
    expect(await kindOf(call('crypto.signTypedData', { id: eth.id, typedData: { ...MAIL, primaryType: 'Nope' } }, 'ui'))).toBe('INVALID_REQUEST');
    expect(await kindOf(call('crypto.signTypedData', { id: eth.id, typedData: { ...MAIL, message: { ...MAIL.message, extra: 1 } } }, 'ui'))).toBe('INVALID_REQUEST');
  });

  it('only secp256k1 keys sign Ethereum data; a key without sign refuses', async () => {
    const ed = await call<KeyInfo>('keys.generate', { algorithm: 'ed25519' });
    expect(await kindOf(call('crypto.signEthTransaction', { id: ed.id, tx: TX }))).toBe('UNSUPPORTED');
    const agreeOnly = await call<KeyInfo>('keys.generate', { algorithm: 'secp256k1', purposes: ['agree'] });
    expect(await kindOf(call('crypto.signTypedData', { id: agreeOnly.id, typedData: MAIL }))).toBe('POLICY_DENIED');
  });
});

describe('crypto.verifyWithPublicKey', () => {
  it('verifies against a pasted public key (JWK, raw, SPKI) like node:crypto, and refuses a private key', async () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const data = Buffer.from('pasted key check');
    const signature = b64u(nodeSign(null, data, privateKey));
    const jwk = publicKey.export({ format: 'jwk' }) as Record<string, string>;
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    for (const pk of [{ format: 'jwk', data: jwk }, { format: 'raw', data: jwk.x }, { format: 'spki', data: b64u(spki) }]) {
      const r = await call<{ valid: boolean }>('crypto.verifyWithPublicKey', { algorithm: 'ed25519', publicKey: pk, data: b64u(data), signature }, 'ui');
      expect(r.valid).toBe(true);
      const bad = await call<{ valid: boolean }>('crypto.verifyWithPublicKey', { algorithm: 'ed25519', publicKey: pk, data: b64u('other'), signature }, 'ui');
      expect(bad.valid).toBe(false);
    }
    const priv = privateKey.export({ format: 'jwk' });
    expect(await kindOf(call('crypto.verifyWithPublicKey', { algorithm: 'ed25519', publicKey: { format: 'jwk', data: priv }, data: b64u(data), signature }, 'ui'))).toBe('INVALID_REQUEST');
    expect(await kindOf(call('crypto.verifyWithPublicKey', { algorithm: 'aes-256', publicKey: { format: 'raw', data: b64u(Buffer.alloc(32)) }, data: b64u(data), signature }, 'ui'))).toBe('UNSUPPORTED');
  });
});

describe('kms.configure', () => {
  it('is main\'s and the CLI\'s, never the renderer\'s', async () => {
    expect(await kindOf(call('kms.configure', { keyCacheMs: 0 }, 'ui'))).toBe('POLICY_DENIED');
    expect(await call('kms.configure', { keyCacheMs: 1000 }, 'app')).toEqual({ keyCacheMs: 1000 });
    expect(await kindOf(call('kms.configure', { keyCacheMs: -1 }, 'app'))).toBe('INVALID_REQUEST');
  });
});
