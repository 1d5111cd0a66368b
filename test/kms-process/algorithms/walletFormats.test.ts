// Wallet and identity formats: EIP-55 examples (EIP-55), BIP173 / BIP86 addresses, did:key test vectors of the
// did:key method (w3c-ccg/did-method-key test-vectors), Solana base58; cross-checked with micro-eth-signer.
import { base58 } from '@scure/base';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { addr } from 'micro-eth-signer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519Spec } from '../../../kms-process/algorithms/ed25519.js';
import { p256Spec } from '../../../kms-process/algorithms/ecdsaNist.js';
import { hdSeedSpec } from '../../../kms-process/algorithms/hdSeed.js';
import { secp256k1Spec } from '../../../kms-process/algorithms/secp256k1.js';
import { eip55, ethereumAddress } from '../../../kms-process/algorithms/walletFormats.js';
import { expectKmsError } from './expectKmsError.js';
import { hex } from './wycheproof.js';

const G = hex('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798'); // secp256k1 generator, key 1

describe('Ethereum addresses (EIP-55)', () => {
  // The examples listed in EIP-55 ("Test Cases"): all caps, all lower, and mixed.
  const EXAMPLES = [
    '0x52908400098527886E0F7030069857D2E4169EE7',
    '0x8617E340B3D01FA5F11F306F4090FD50E238070D',
    '0xde709f2102306220921060314715629080e2fb77',
    '0x27b1fdb04752bbc536007a920d24acb045561c26',
    '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
  ];
  it.each(EXAMPLES)('EIP-55 example %s', (a) => {
    expect(eip55(a.toLowerCase())).toBe(a);
    expect(eip55(a.toUpperCase().replace('0X', '0x'))).toBe(a);
  });

  it('the address of private key 1, and agreement with micro-eth-signer on random keys', () => {
    expect(ethereumAddress(G)).toBe('0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (sk) => {
        fc.pre(secp256k1.utils.isValidSecretKey(sk));
        const pub = secp256k1.getPublicKey(sk, true);
        expect(secp256k1Spec.describe!(pub)['ethereumAddress']).toBe(addr.fromPrivateKey(sk));
      }),
      { numRuns: 50 },
    );
  });
});

describe('Bitcoin addresses', () => {
  it('P2WPKH of key 1 is the BIP173 example bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', () => {
    expect(secp256k1Spec.describe!(G)['bitcoinP2wpkh']).toBe('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  });

  it("P2TR (BIP86 key path) of m/86'/0'/0'/0/0 of the 'abandon ... about' mnemonic is BIP86's first address", () => {
    const seed = hdSeedSpec.loadPrivate(
      hdSeedSpec.fromMnemonic!('abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about'),
    );
    const child = hdSeedSpec.derive!(seed, "m/86'/0'/0'/0/0");
    // BIP86 test vectors: internal key cc8a4bc6...c115, output address bc1p5cyx...edrcr.
    expect(Buffer.from(child.material.publicRaw!.subarray(1)).toString('hex')).toBe(
      'cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115',
    );
    expect(secp256k1Spec.describe!(child.material.publicRaw!)['bitcoinP2tr']).toBe(
      'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr',
    );
  });
});

describe('did:key (w3c-ccg did-method-key test vectors)', () => {
  it('ed25519 (z6Mk...) and the Solana address (the same base58 of the key)', () => {
    const vectors = [
      ['did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp', '4zvwRjXUKGfvwnParsHAS3HuSVzV5cA4McphgmoCtajS'],
      ['did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG', '6ASf5EcmmEHTgDJ4X4ZT5vT6iHVJBXPg5AN5YoTCpGWt'],
      ['did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf', '8pM1DN3RiT8vbom5u1sNryaNT1nyL8CTTW3b5PwWXRBH'],
    ];
    for (const [did, b58] of vectors) {
      const info = ed25519Spec.describe!(base58.decode(b58!));
      expect(info).toEqual({ didKey: did, solanaAddress: b58 });
    }
    // Seed 0^32 is the first vector's key, derived by node:crypto through the spec.
    const m = ed25519Spec.importKey!('jwk', {
      kty: 'OKP',
      crv: 'Ed25519',
      d: Buffer.alloc(32).toString('base64url'),
      x: Buffer.from(base58.decode(vectors[0]![1]!)).toString('base64url'),
    });
    expect(ed25519Spec.describe!(m.publicRaw!)['didKey']).toBe(vectors[0]![0]);
  });

  it('secp256k1 (zQ3s...)', () => {
    const vectors = [
      ['did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme', '23o6Sau8NxxzXcgSc3PLcNxrzrZpbLeBn1izfv3jbKhuv'],
      ['did:key:zQ3shtxV1FrJfhqE1dvxYRcCknWNjHc3c5X1y3ZSoPDi2aur2', '291KzQhqCPC18PqH83XKhxv1HdqrdnxyS7dh15t2uNRzJ'],
      ['did:key:zQ3shZc2QzApp2oymGvQbzP8eKheVshBHbU4ZYjeXqwSKEn6N', 'oesQ92MLiAkt2pjBcJFbW7H4DvzKJv22cotjYbmC2JEe'],
    ];
    for (const [did, b58] of vectors) expect(secp256k1Spec.describe!(base58.decode(b58!))['didKey']).toBe(did);
  });

  it('p256 (zDn...), from the vectors\' JWKs', () => {
    const vectors = [
      ['did:key:zDnaerx9CtbPJ1q36T5Ln5wYt3MQYeGRG5ehnPAmxcf5mDZpv', 'igrFmi0whuihKnj9R3Om1SoMph72wUGeFaBbzG2vzns', 'efsX5b10x8yjyrj4ny3pGfLcY7Xby1KzgqOdqnsrJIM'],
      ['did:key:zDnaerDaTF5BXEavCrfRZEk316dpbLsfPDZ3WJ5hRTPFU2169', 'fyNYMN0976ci7xqiSdag3buk-ZCwgXU4kz9XNkBlNUI', 'hW2ojTNfH7Jbi8--CJUo3OCbH3y5n91g-IMA9MLMbTU'],
    ];
    for (const [did, x, y] of vectors) {
      const m = p256Spec.importKey!('jwk', { kty: 'EC', crv: 'P-256', x: x!, y: y! });
      expect(p256Spec.describe!(m.publicRaw!)).toEqual({ didKey: did });
    }
  });

  it('refuses a public key that is not a point', () => {
    expectKmsError(() => secp256k1Spec.describe!(new Uint8Array(33)), 'INVALID_REQUEST');
    expectKmsError(() => ed25519Spec.describe!(new Uint8Array(31)), 'INVALID_REQUEST');
  });
});
