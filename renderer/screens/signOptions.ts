// Which signature schemes, hashes and output formats each key type offers, and how the screens read bytes a person
// typed or pasted (text, hex, base64url).
import { fromB64u, fromHex, textToB64u, toB64u } from '../format/formatting.js';

export const SCHEMES: Record<string, Array<{ id: string; name: string }>> = {
  ed25519: [{ id: 'eddsa', name: 'EdDSA (pure Ed25519)' }],
  secp256k1: [
    { id: 'ecdsa', name: 'ECDSA' },
    { id: 'eip191', name: 'Ethereum personal message (EIP-191)' },
    { id: 'bip340', name: 'Schnorr (BIP340)' },
  ],
  p224: [{ id: 'ecdsa', name: 'ECDSA' }],
  p256: [{ id: 'ecdsa', name: 'ECDSA' }],
  p384: [{ id: 'ecdsa', name: 'ECDSA' }],
  p521: [{ id: 'ecdsa', name: 'ECDSA' }],
  rsa: [
    { id: 'pss', name: 'RSA-PSS' },
    { id: 'pkcs1', name: 'RSA PKCS#1 v1.5' },
  ],
  'ml-dsa': [{ id: 'ml-dsa', name: 'ML-DSA (FIPS 204)' }],
};

export function schemesFor(algorithm: string): Array<{ id: string; name: string }> {
  return SCHEMES[algorithm] ?? SCHEMES[algorithm.startsWith('rsa') ? 'rsa' : algorithm.startsWith('ml-dsa') ? 'ml-dsa' : ''] ?? [];
}

/** ECDSA hashes a person may pick (the KMS's default follows the curve). */
export const HASHES = ['', 'sha256', 'sha384', 'sha512', 'sha3-256', 'keccak256'] as const;
export const FORMATS = ['', 'p1363', 'der', 'recoverable'] as const;

export type Encoding = 'text' | 'hex' | 'base64url';

/** Bytes as the protocol's base64url, from what was typed in the chosen encoding (undefined: not that encoding). */
export function inputToB64u(text: string, encoding: Encoding): string | undefined {
  if (encoding === 'text') return textToB64u(text);
  if (encoding === 'hex') {
    const b = fromHex(text);
    return b ? toB64u(b) : undefined;
  }
  const t = text.trim();
  if (!/^[A-Za-z0-9_-]*$/.test(t)) return undefined;
  try {
    fromB64u(t);
    return t;
  } catch {
    return undefined;
  }
}

/** A pasted signature: 0x-hex or base64url. */
export function signatureToB64u(text: string): string | undefined {
  const t = text.trim();
  if (/^0x/i.test(t)) return inputToB64u(t, 'hex');
  return inputToB64u(t, 'base64url');
}

/** A pasted public key: a JWK (JSON), a PEM public key (SPKI), or raw bytes in hex or base64url. */
export function parsePublicKey(text: string): { format: 'jwk'; data: Record<string, string> } | { format: 'raw' | 'spki'; data: string } | undefined {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      return { format: 'jwk', data: JSON.parse(t) as Record<string, string> };
    } catch {
      return undefined;
    }
  }
  const pem = /^-----BEGIN PUBLIC KEY-----([\s\S]*)-----END PUBLIC KEY-----$/.exec(t);
  if (pem) {
    try {
      const bin = atob(pem[1]!.replace(/\s+/g, ''));
      return { format: 'spki', data: toB64u(Uint8Array.from(bin, (c) => c.charCodeAt(0))) };
    } catch {
      return undefined;
    }
  }
  const raw = /^(0x)?[0-9a-fA-F]+$/.test(t) && t.replace(/^0x/, '').length % 2 === 0 ? inputToB64u(t, 'hex') : inputToB64u(t, 'base64url');
  return raw ? { format: 'raw', data: raw } : undefined;
}
