// Universal Wallet 2020 locking: our EncryptedWallet round trip, wrong passwords and tampering as typed errors,
// and interoperability with an independent implementation (@transmute/universal-wallet 0.6): what it locks, we
// unlock (its exportContentsAsCredential, its lockContents, and its published locked test vector).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as transmute from '@transmute/universal-wallet';
import * as vectors from '@transmute/universal-wallet-test-vectors';
import { KmsError } from '../../../kms-process/api/index.js';
import { lockWallet, unlockWallet, WALLET_CONTEXT } from '../../../kms-process/wallet/universalWallet.js';
import { jweHeader } from '../../../kms-process/wallet/walletJwe.js';

const PASSWORD = 'a wallet password';
const CONTENTS = [
  { '@context': [WALLET_CONTEXT], id: 'urn:test:1', type: 'Mnemonic', value: 'abandon '.repeat(11) + 'about' },
  { '@context': [WALLET_CONTEXT], id: 'urn:test:2', type: 'JsonWebKey2020', privateKeyJwk: { kty: 'OKP', crv: 'Ed25519', x: 'x', d: 'd' } },
];

async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return e instanceof KmsError ? e.kind : `not a KmsError: ${String(e)}`;
  }
}

describe('our EncryptedWallet', () => {
  it('is a credential of type EncryptedWallet in the wallet context, Argon2id parameters and a random salt in the authenticated header', async () => {
    const a = await lockWallet(PASSWORD, CONTENTS);
    const b = await lockWallet(PASSWORD, CONTENTS);
    expect(a['@context']).toContain('https://w3id.org/wallet/v1');
    expect(a.type).toEqual(['VerifiableCredential', 'EncryptedWallet']);
    const jwe = (a.credentialSubject as { encryptedWalletContents: unknown }).encryptedWalletContents;
    const header = jweHeader(jwe);
    expect(header).toMatchObject({ enc: 'XC20P', kdf: { alg: 'argon2id', m: 65536, t: 3, p: 4 } });
    const saltA = (header.kdf as { salt: string }).salt;
    expect(Buffer.from(saltA, 'base64url')).toHaveLength(16);
    expect(saltA).not.toBe((jweHeader((b.credentialSubject as { encryptedWalletContents: unknown }).encryptedWalletContents).kdf as { salt: string }).salt);
    expect(a.issuer).not.toBe(b.issuer); // another salt, another derived key
    expect(JSON.stringify(a)).not.toContain('abandon');
    expect(await unlockWallet(PASSWORD, a)).toEqual(CONTENTS);
  });

  it('a wrong password is WRONG_SECRET; edited ciphertext, header or parameters never unlock', async () => {
    const w = await lockWallet(PASSWORD, CONTENTS);
    expect(await kindOf(unlockWallet('another password', w))).toBe('WRONG_SECRET');
    const jwe = (w.credentialSubject as { encryptedWalletContents: Record<string, unknown> }).encryptedWalletContents;
    const edit = (patch: Record<string, unknown>) => ({ ...w, credentialSubject: { ...(w.credentialSubject as object), encryptedWalletContents: { ...jwe, ...patch } } });
    const ct = Buffer.from(String(jwe.ciphertext), 'base64url');
    ct[0]! ^= 1;
    expect(await kindOf(unlockWallet(PASSWORD, edit({ ciphertext: ct.toString('base64url') })))).toBe('TAMPERED');
    const header = jweHeader(jwe);
    const withHeader = (h: Record<string, unknown>) => edit({ protected: Buffer.from(JSON.stringify(h)).toString('base64url') });
    // Added header member: same key, but the header is the associated data.
    expect(await kindOf(unlockWallet(PASSWORD, withHeader({ ...header, note: 'x' })))).toBe('TAMPERED');
    // Cheaper Argon2id than the floor: refused before any work.
    expect(await kindOf(unlockWallet(PASSWORD, withHeader({ ...header, kdf: { ...(header.kdf as object), m: 1024 } })))).toBe('INVALID_REQUEST');
    // No kdf: read as Transmute's PBKDF2 derivation, which gives another key.
    const { kdf: _kdf, ...noKdf } = header;
    expect(await kindOf(unlockWallet(PASSWORD, withHeader(noKdf)))).toBe('WRONG_SECRET');
  });

  it('arbitrary edits of a locked wallet: a typed error or the original contents, never a crash or other contents', async () => {
    const w = await lockWallet(PASSWORD, CONTENTS);
    const text = JSON.stringify(w);
    await fc.assert(
      fc.asyncProperty(fc.nat(text.length - 1), fc.constantFrom('A', '0', '_', '"', '}', 'z'), async (at, ch) => {
        let edited: Record<string, unknown>;
        try {
          edited = JSON.parse(text.slice(0, at) + ch + text.slice(at + 1)) as Record<string, unknown>;
        } catch {
          return;
        }
        try {
          expect(await unlockWallet(PASSWORD, edited)).toEqual(CONTENTS);
        } catch (e) {
          expect(e).toBeInstanceOf(KmsError);
        }
      }),
      { numRuns: 12 }, // each run derives an Argon2id key (about 125 ms)
    );
  });
});

describe('@transmute/universal-wallet interoperability', () => {
  it('unlocks what exportContentsAsCredential made (PBKDF2, fixed salt)', async () => {
    const contents = vectors.content as unknown as Array<Record<string, unknown>>;
    const exported = (await transmute.exportContentsAsCredential(vectors.password, contents)) as Record<string, unknown>;
    expect(exported.type).toEqual(['VerifiableCredential', 'EncryptedWallet']);
    expect(await unlockWallet(vectors.password, exported)).toEqual(contents);
    expect(await kindOf(unlockWallet('wrong', exported))).toBe('WRONG_SECRET');
  });

  it('unlocks a LOCKED wallet of one JWE per item (lockContents)', async () => {
    const items = [{ id: 'urn:a', type: 'Entropy', value: '00'.repeat(32) }, { id: 'urn:b', type: 'Something' }];
    const locked = await transmute.lockContents(vectors.password, items);
    expect(await unlockWallet(vectors.password, { status: 'LOCKED', contents: locked })).toEqual(items);
    // (The package's published wallet_locked vector is locked to the X25519 key of a DID in its contents, not to a
    // password-derived key, so no password unlocks it: it is not a password wallet.)
    const vector = vectors.wallet_locked as unknown as { contents: Array<{ recipients: Array<{ header: { kid: string } }> }> };
    expect(vector.contents[0]!.recipients[0]!.header.kid).toMatch(/^did:key:z6Mk.+#z6LS/);
  });

  it('where ours differs: Transmute cannot unlock ours (Argon2id with a random salt, not PBKDF2 with "salt")', async () => {
    const ours = await lockWallet(vectors.password, CONTENTS);
    await expect(transmute.contentsFromEncryptedWalletCredential(vectors.password, ours)).rejects.toThrow();
  });
});
