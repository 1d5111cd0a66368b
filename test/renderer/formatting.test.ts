// The renderer's formatting: encodings, waits, amounts typed in ETH and gwei (exact, no floating point), providers,
// fingerprints (RFC 7638 thumbprint: the RFC's own example), pasted keys and signatures, the accounts' paths, the
// audit filter, the PIN state and the settings' words; and two components rendered to markup.
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { CopyValue } from '../../renderer/components/CopyButton.js';
import { ethToWei, formatWait, fromB64u, fromHex, groupHex, gweiToWei, jwkThumbprint, providerLabel, sha256Hex, shorten, toB64u, toHex } from '../../renderer/format/formatting.js';
import { accountsOf, CHAINS, nextIndex } from '../../renderer/screens/accountChains.js';
import { matches } from '../../renderer/screens/AuditScreen.js';
import { parseEnvelope } from '../../renderer/screens/EncryptScreen.js';
import { operationsOf } from '../../renderer/screens/GenerateKeyForm.js';
import { autoLockText, keyCacheText } from '../../renderer/screens/SettingsScreen.js';
import { parsePublicKey, signatureToB64u } from '../../renderer/screens/signOptions.js';
import { pinText } from '../../renderer/screens/TokensScreen.js';

describe('formatting', () => {
  it('bytes: base64url and hex both ways', () => {
    const b = Uint8Array.from([0, 1, 250, 255, 62, 63]);
    expect(toB64u(b)).toBe(Buffer.from(b).toString('base64url'));
    expect([...fromB64u(toB64u(b))]).toEqual([...b]);
    expect(toHex(b)).toBe('0001faff3e3f');
    expect([...fromHex('0x00 01 FA')!]).toEqual([0, 1, 250]);
    expect(fromHex('abc')).toBeUndefined();
    expect(toB64u(new Uint8Array(100_000).fill(7))).toBe(Buffer.alloc(100_000, 7).toString('base64url'));
  });

  it('waits round up and read naturally', () => {
    expect([0, 1, 999, 1000, 59_001, 60_000, 125_000, 3_600_000, 3_660_000].map(formatWait)).toEqual(['0 s', '1 s', '1 s', '1 s', '1 min', '1 min', '2 min 5 s', '1 h', '1 h 1 min']);
  });

  it('ETH and gwei to wei exactly, refusing what is not a plain amount', () => {
    expect(ethToWei('0.0421')).toBe('42100000000000000');
    expect(ethToWei('1')).toBe('1000000000000000000');
    expect(ethToWei('0.000000000000000001')).toBe('1');
    expect(ethToWei('123456789.123456789123456789')).toBe('123456789123456789123456789');
    for (const bad of ['', '-1', '1e18', '0.0000000000000000001', '1,5', 'abc']) expect(ethToWei(bad), bad).toBeUndefined();
    expect(gweiToWei('32.5')).toBe('32500000000');
    expect(gweiToWei('0.000000001')).toBe('1');
    expect(gweiToWei('1.0000000001')).toBeUndefined();
  });

  it('providers, ids and fingerprints', () => {
    expect(providerLabel('software')).toEqual({ kind: 'software', text: 'Software' });
    expect(providerLabel('pkcs11:9a1b')).toEqual({ kind: 'token', text: 'Token 9a1b' });
    expect(providerLabel('kmip:corp')).toEqual({ kind: 'remote', text: 'Remote (corp)' });
    expect(shorten('abcdefghijklmnopqrstuvwxyz')).toBe('abcdefghij…uvwxyz');
    expect(shorten('short')).toBe('short');
    expect(groupHex('0011223344')).toBe('0011 2233 44');
  });

  it('RFC 7638 section 3.1: the example RSA key has thumbprint NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', async () => {
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(await jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
    expect(await jwkThumbprint({ kty: 'oct', k: 'x' })).toBeUndefined();
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('pasted public keys and signatures', () => {
    expect(parsePublicKey('{"kty":"OKP","crv":"Ed25519","x":"AA"}')).toEqual({ format: 'jwk', data: { kty: 'OKP', crv: 'Ed25519', x: 'AA' } });
    expect(parsePublicKey('-----BEGIN PUBLIC KEY-----\nAAEC\n-----END PUBLIC KEY-----')).toEqual({ format: 'spki', data: 'AAEC' });
    expect(parsePublicKey('0x0a0b')).toEqual({ format: 'raw', data: 'Cgs' });
    expect(parsePublicKey('Cgs')).toEqual({ format: 'raw', data: 'Cgs' });
    expect(parsePublicKey('{not json')).toBeUndefined();
    expect(signatureToB64u('0xff00')).toBe('_wA');
    expect(signatureToB64u('_wA')).toBe('_wA');
    expect(signatureToB64u('not base64!')).toBeUndefined();
  });

  it('accounts: standard paths, the index read back from either hardened notation, the next index', () => {
    expect(CHAINS.map((c) => c.path(2))).toEqual(["m/44'/60'/0'/0/2", "m/84'/0'/0'/0/2", "m/86'/0'/0'/0/2", "m/44'/501'/2'/0'"]);
    const eth = CHAINS[0]!;
    expect(eth.indexOf("m/44'/60'/0'/0/7")).toBe(7);
    expect(eth.indexOf('m/44h/60h/0h/0/7')).toBe(7);
    expect(eth.indexOf("m/44'/60'/1'/0/7")).toBeUndefined();
    const key = (id: string, path: string, extra: Record<string, string>) => ({ id, label: '', algorithm: 'secp256k1' as const, provider: 'software', purposes: [], exportable: false, requiresApproval: false, createdAt: '', derivation: { parentId: 'seed', path }, extra });
    const list = accountsOf('seed', [key('a', "m/44'/60'/0'/0/3", { ethereumAddress: '0xA' }), key('b', "m/44'/60'/0'/0/0", { ethereumAddress: '0xB' }), key('c', "m/84'/0'/0'/0/0", { bitcoinP2wpkh: 'bc1q' })]);
    expect(list.get('ethereum')!.map((a) => a.index)).toEqual([0, 3]);
    expect(nextIndex(list.get('ethereum')!)).toBe(4);
    expect(list.get('bitcoin-p2wpkh')!.map((a) => a.address)).toEqual(['bc1q']);
    expect(nextIndex(list.get('solana')!)).toBe(0);
  });

  it('audit filter, envelopes, PIN state, settings words, key operations', () => {
    const e = { seq: 1, at: '', caller: 'ui', method: 'crypto.sign', keyId: 'KEY1', outcome: 'ok' };
    expect(matches(e, { text: 'sign', outcome: 'all', caller: '' })).toBe(true);
    expect(matches(e, { text: 'key1', outcome: 'ok', caller: 'ui' })).toBe(true);
    expect(matches(e, { text: '', outcome: 'failed', caller: '' })).toBe(false);
    expect(matches(e, { text: '', outcome: 'all', caller: 'cli' })).toBe(false);
    expect(parseEnvelope('{"openwallet":"encrypted","v":1,"key":"k","mode":"gcm","ciphertext":"AA"}')).toMatchObject({ key: 'k' });
    expect(parseEnvelope('{"v":1}')).toBeUndefined();
    const pin = { loggedIn: false, countLow: false, finalTry: false, locked: false, toBeChanged: false };
    expect(pinText({ ...pin, kmsFailures: 2, retryAfterMs: 4000 })).toBe('Not logged in. 2 wrong PINs counted by OpenWallet. Next try in 4 s.');
    expect(pinText({ ...pin, attemptsLeft: 1 })).toBe('Not logged in. 1 PIN try left.');
    expect(pinText({ ...pin, locked: true })).toMatch(/^PIN blocked/);
    expect([1, 30, 0].map(autoLockText)).toEqual(['After 1 minute', 'After 30 minutes', 'Never (only on sleep or screen lock)']);
    expect([0, 30, 60, 900].map(keyCacheText)).toEqual(['Do not keep (decrypt for each use)', '30 seconds', '1 minute', '15 minutes']);
    expect(operationsOf('rsa-4096')).toEqual(['sign', 'verify', 'encrypt', 'decrypt']);
    expect(operationsOf('ml-kem-768')).toEqual(['encapsulate', 'decapsulate']);
    expect(operationsOf('xchacha20-poly1305')).toEqual(['encrypt', 'decrypt']);
  });

  it('a copy button names what it copies for a screen reader', () => {
    const html = renderToStaticMarkup(createElement(CopyValue, { value: '0xabc', what: 'Ethereum address 1' }));
    expect(html).toContain('aria-label="Copy Ethereum address 1"');
    expect(html).toContain('aria-live="polite"');
    expect(html).toContain('0xabc');
  });
});
