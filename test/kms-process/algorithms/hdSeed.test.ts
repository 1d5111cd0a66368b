// hd-seed: BIP39 English (Trezor) vectors, BIP32 test vectors 1-5, SLIP-10 ed25519 vectors 1-2, and the spec's
// generate / fromMnemonic / derive / exportMnemonic with their bad inputs; children cross-checked by other libraries.
import { HDKey } from '@scure/bip32';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { addr } from 'micro-eth-signer';
import { describe, expect, it } from 'vitest';
import { createAlgorithmRegistry } from '../../../kms-process/algorithms/all.js';
import { bip32Node, hdSeedSpec as spec, slip10Node } from '../../../kms-process/algorithms/hdSeed.js';
import { ed25519Spec } from '../../../kms-process/algorithms/ed25519.js';
import { secp256k1Spec } from '../../../kms-process/algorithms/secp256k1.js';
import { expectKmsError } from './expectKmsError.js';
import { BIP32_INVALID, BIP32_VECTORS } from './vectors/bip32.js';
import { BIP39_ENGLISH, BIP39_PASSPHRASE } from './vectors/bip39English.js';
import { SLIP10_ED25519 } from './vectors/slip10Ed25519.js';
import { hex } from './wycheproof.js';

const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

describe('hd-seed: BIP39 English vectors (Trezor, passphrase "TREZOR")', () => {
  it.each(BIP39_ENGLISH.map((v, i) => [i, ...v] as const))('vector %i', (_i, entropy, mnemonic, seed, xprv) => {
    const m = spec.fromMnemonic!(mnemonic, BIP39_PASSPHRASE);
    expect(toHex(m.secret!.subarray(0, 64))).toBe(seed);
    expect(toHex(m.secret!.subarray(64))).toBe(entropy);
    expect(spec.exportMnemonic!(m)).toBe(mnemonic);
    expect(bip32Node(m.secret!.subarray(0, 64), 'm').privateExtendedKey).toBe(xprv);
  });
});

describe('hd-seed: BIP32 test vectors', () => {
  it.each(BIP32_VECTORS.map((v, i) => [i + 1, v] as const))('test vector %i', (_n, v) => {
    for (const [path, xpub, xprv] of v.chain) {
      const node = bip32Node(hex(v.seed), path);
      expect(node.privateExtendedKey, path).toBe(xprv);
      expect(node.publicExtendedKey, path).toBe(xpub);
    }
  });

  it('test vector 5: every invalid extended key is refused by the BIP32 library the KMS uses', () => {
    // The KMS never imports extended keys (keys come from seeds); this pins the library's own checks.
    for (const [key, reason] of BIP32_INVALID) expect(() => HDKey.fromExtendedKey(key), reason).toThrow();
  });
});

describe('hd-seed: SLIP-10 ed25519 test vectors', () => {
  it.each(SLIP10_ED25519.map((v, i) => [i + 1, v] as const))('test vector %i', (_n, v) => {
    for (const [path, chainCode, priv, pub] of v.chain) {
      const node = slip10Node(hex(v.seed), path);
      expect(toHex(node.chainCode), path).toBe(chainCode);
      expect(toHex(node.privateKey), path).toBe(priv);
      expect('00' + toHex(node.publicKeyRaw), path).toBe(pub);
      expect(toHex(ed25519.getPublicKey(node.privateKey))).toBe(pub.slice(2)); // noble agrees
    }
  });
});

describe('hd-seed spec', () => {
  it('generates 24 words by default, 12 on request, with an optional passphrase', () => {
    const m24 = spec.generate();
    expect(spec.exportMnemonic!(m24).split(' ')).toHaveLength(24);
    expect(m24.secret).toHaveLength(96);
    expect(m24.publicRaw).toBeUndefined();
    const m12 = spec.generate({ words: 12, bip39Passphrase: 'p' });
    const words = spec.exportMnemonic!(m12);
    expect(words.split(' ')).toHaveLength(12);
    expect(spec.fromMnemonic!(words, 'p')).toEqual(m12);
    expect(spec.fromMnemonic!(words)).not.toEqual(m12);
    expectKmsError(() => spec.generate({ words: 18 as 12 }), 'INVALID_REQUEST');
  });

  it('restores from a mnemonic (whitespace and case tolerant) and rejects a bad checksum or word', () => {
    const m = spec.fromMnemonic!(`  ${ABANDON.toUpperCase().replace(/ /g, '\n ')} `);
    expect(spec.exportMnemonic!(m)).toBe(ABANDON);
    expectKmsError(() => spec.fromMnemonic!(ABANDON.replace(/about$/, 'abandon')), 'INVALID_REQUEST'); // checksum
    expectKmsError(() => spec.fromMnemonic!(ABANDON.replace(/about$/, 'aboot')), 'INVALID_REQUEST'); // not a word
    expectKmsError(() => spec.fromMnemonic!('abandon about'), 'INVALID_REQUEST'); // length
    const e = expectKmsError(() => spec.fromMnemonic!(ABANDON.replace(/about$/, 'zoo')), 'INVALID_REQUEST');
    expect(e.message).not.toContain('abandon');
  });

  it("derives m/44'/60'/0'/0/0 of the 'abandon ... about' mnemonic to the well-known Ethereum account", () => {
    const key = spec.loadPrivate(spec.fromMnemonic!(ABANDON));
    const child = spec.derive!(key, 'm/44h/60h/0h/0/0');
    expect(child.algorithm).toBe('secp256k1');
    expect(child.path).toBe("m/44'/60'/0'/0/0");
    const info = secp256k1Spec.describe!(child.material.publicRaw!);
    expect(info['ethereumAddress']).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    expect(info['ethereumAddress']).toBe(addr.fromPrivateKey(child.material.secret!));
    // The child is a working secp256k1 key.
    const priv = secp256k1Spec.loadPrivate(child.material);
    const sig = secp256k1Spec.sign!(priv, { data: new Uint8Array([1, 2, 3]) });
    expect(secp256k1Spec.verify!(secp256k1Spec.loadPublic!(child.material.publicRaw!), { data: new Uint8Array([1, 2, 3]), signature: sig })).toBe(true);
    expect(child.material.publicRaw).toEqual(secp256k1.getPublicKey(child.material.secret!, true));
  });

  it('derives SLIP-10 ed25519 children (hardened only) that work as ed25519 keys', () => {
    const key = spec.loadPrivate(spec.fromMnemonic!(ABANDON));
    const child = spec.derive!(key, "m/44'/501'/0'/0'", 'ed25519');
    expect(child.algorithm).toBe('ed25519');
    expect(child.material.publicRaw).toEqual(ed25519.getPublicKey(child.material.secret!));
    const priv = ed25519Spec.loadPrivate(child.material);
    const sig = ed25519Spec.sign!(priv, { data: new Uint8Array([9]) });
    expect(ed25519.verify(sig, new Uint8Array([9]), child.material.publicRaw!)).toBe(true);
    expectKmsError(() => spec.derive!(key, "m/44'/501'/0'/0", 'ed25519'), 'INVALID_REQUEST');
  });

  it('rejects bad paths, other child algorithms, raw import/export and corrupt material', () => {
    const key = spec.loadPrivate(spec.generate({ words: 12 }));
    expectKmsError(() => spec.derive!(key, 'm/2147483648'), 'INVALID_REQUEST');
    expectKmsError(() => spec.derive!(key, "m/44'/x"), 'INVALID_REQUEST');
    expectKmsError(() => spec.derive!(key, 'm' + '/1'.repeat(256)), 'INVALID_REQUEST');
    expectKmsError(() => spec.derive!(key, 'm/0', 'p256' as 'ed25519'), 'UNSUPPORTED');
    expectKmsError(() => spec.importKey!('raw', new Uint8Array(64)), 'UNSUPPORTED');
    expectKmsError(() => spec.exportKey!('raw', spec.generate(), true), 'UNSUPPORTED');
    expectKmsError(() => spec.loadPrivate({ secret: new Uint8Array(70) }), 'CORRUPT');
    expectKmsError(() => spec.loadPrivate({}), 'INVALID_REQUEST');
  });

  it('is registered as a seed with the derive operation', () => {
    const reg = createAlgorithmRegistry();
    expect(reg.forOperation('hd-seed', 'derive')).toBe(spec);
    expectKmsError(() => reg.forOperation('hd-seed', 'sign'), 'UNSUPPORTED');
  });
});
