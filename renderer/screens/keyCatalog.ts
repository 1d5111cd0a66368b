// The algorithm picker's catalogue, grouped by use, with a sentence each; and what each policy field means.
import type { AlgorithmId } from '../../kms-process/api/common.js';

export interface AlgorithmChoice {
  id: AlgorithmId;
  name: string;
  note: string;
  /** Slow to generate: the screen says so while it waits. */
  slow?: true;
}

export const ALGORITHM_GROUPS: ReadonlyArray<{ use: string; choices: AlgorithmChoice[] }> = [
  {
    use: 'Signing',
    choices: [
      { id: 'ed25519', name: 'Ed25519', note: 'Fast, small signatures; SSH, Solana, DIDs.' },
      { id: 'p256', name: 'ECDSA P-256', note: 'The curve phones and browsers back in hardware (WebAuthn, JWS ES256).' },
      { id: 'p384', name: 'ECDSA P-384', note: 'A larger NIST curve (ES384).' },
      { id: 'p521', name: 'ECDSA P-521', note: 'The largest NIST curve.' },
      { id: 'secp256k1', name: 'secp256k1', note: 'Bitcoin and Ethereum (ECDSA, BIP340 Schnorr, EIP-191).' },
      { id: 'rsa-2048', name: 'RSA 2048', note: 'Compatible with old systems; PSS or PKCS#1 v1.5.' },
      { id: 'rsa-3072', name: 'RSA 3072', note: 'RSA at about 128-bit strength.' },
      { id: 'rsa-4096', name: 'RSA 4096', note: 'Slow to make (several seconds).', slow: true },
    ],
  },
  {
    use: 'Encryption',
    choices: [
      { id: 'aes-256', name: 'AES-256', note: 'AES-GCM by default; rotates to new versions.' },
      { id: 'aes-128', name: 'AES-128', note: 'AES with a 128-bit key.' },
      { id: 'chacha20-poly1305', name: 'ChaCha20-Poly1305', note: 'Fast without AES hardware.' },
      { id: 'xchacha20-poly1305', name: 'XChaCha20-Poly1305', note: 'Long random nonces (libsodium, Apple).' },
      { id: 'hmac-sha256', name: 'HMAC-SHA-256', note: 'Message authentication codes.' },
    ],
  },
  {
    use: 'Key agreement',
    choices: [
      { id: 'x25519', name: 'X25519', note: 'Diffie-Hellman on Curve25519 (Signal, age, TLS 1.3).' },
      { id: 'p256', name: 'ECDH P-256', note: 'Diffie-Hellman on P-256 (also signs).' },
    ],
  },
  {
    use: 'Post-quantum',
    choices: [
      { id: 'ml-dsa-65', name: 'ML-DSA-65', note: 'FIPS 204 signatures, safe against quantum computers.' },
      { id: 'ml-dsa-44', name: 'ML-DSA-44', note: 'FIPS 204, smaller and faster.' },
      { id: 'ml-dsa-87', name: 'ML-DSA-87', note: 'FIPS 204, the strongest level.' },
      { id: 'ml-kem-768', name: 'ML-KEM-768', note: 'FIPS 203 key encapsulation (shares a key with a peer).' },
    ],
  },
];

/** What each policy field does, shown beside it. */
export const POLICY_HELP = {
  purposes: 'What the key may be used for. Leave the defaults unless you need less; a key that wraps other keys does nothing else.',
  requiresApproval: 'Every use brings up a trusted approval window showing what is signed or decrypted. The wallet window cannot approve on its own.',
  exportable: 'The private key may leave the keystore later, only through the command line or a trusted window, never to this window. Off is safer.',
  provider: 'Where the key is made and kept: in the encrypted keystore (software), or on a security token, where it never leaves the token.',
} as const;

export function findChoice(id: string): AlgorithmChoice | undefined {
  for (const g of ALGORITHM_GROUPS) for (const c of g.choices) if (c.id === id) return c;
  return undefined;
}
