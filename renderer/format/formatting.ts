// Formatting for the screens: bytes and encodings, waits, dates, providers, purposes, and public-key fingerprints.
// Everything here is public data; the renderer never holds a secret.

/** base64url (no padding) to bytes. */
export function fromB64u(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function toB64u(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export const textToB64u = (text: string): string => toB64u(new TextEncoder().encode(text));

export function b64uToText(text: string): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(fromB64u(text));
  } catch {
    return undefined;
  }
}

export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Hex (with or without 0x, spaces allowed) to bytes, or undefined when it is not hex. */
export function fromHex(text: string): Uint8Array | undefined {
  const h = text.trim().replace(/^0x/i, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A wait in words: "45 s", "2 min 5 s", "1 h 3 min". Rounded up, so a countdown never shows 0 while waiting. */
export function formatWait(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Where a key lives, for people: software, a token (by serial), a remote KMIP server (by name). */
export function providerLabel(provider: string): { kind: 'software' | 'token' | 'remote'; text: string } {
  if (provider.startsWith('pkcs11:')) return { kind: 'token', text: `Token ${provider.slice(7)}` };
  if (provider.startsWith('kmip:')) return { kind: 'remote', text: `Remote (${provider.slice(5)})` };
  return { kind: 'software', text: 'Software' };
}

const PURPOSE_WORDS: Readonly<Record<string, string>> = {
  sign: 'sign',
  verify: 'verify',
  encrypt: 'encrypt',
  decrypt: 'decrypt',
  mac: 'MAC',
  macVerify: 'check MAC',
  agree: 'key agreement',
  wrap: 'wrap keys',
  unwrap: 'unwrap keys',
  derive: 'derive accounts',
  encapsulate: 'encapsulate',
  decapsulate: 'decapsulate',
};
export const purposeText = (p: string): string => PURPOSE_WORDS[p] ?? p;

/** The first and last characters of a long value, for tables (the full value is in the detail view). */
export function shorten(text: string, head = 10, tail = 6): string {
  return text.length <= head + tail + 1 ? text : `${text.slice(0, head)}…${text.slice(-tail)}`;
}

/** Groups of 4 hex digits, the way fingerprints are read aloud and compared. */
export function groupHex(hex: string): string {
  return hex.match(/.{1,4}/g)?.join(' ') ?? hex;
}

/** SHA-256 of bytes, hex (WebCrypto: public data only). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)));
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) over the required members in lexicographic order. */
export async function jwkThumbprint(jwk: Record<string, unknown>): Promise<string | undefined> {
  const REQUIRED: Record<string, string[]> = { EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'], RSA: ['e', 'kty', 'n'], AKP: ['alg', 'kty', 'pub'] };
  const members = REQUIRED[String(jwk.kty)];
  if (!members || members.some((m) => typeof jwk[m] !== 'string')) return undefined;
  const canonical = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',')}}`;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical)));
  return toB64u(digest);
}

/** Wei (decimal string) from an amount in ETH typed by a person ("0.5", "1", "0.000000000000000001"). */
export function ethToWei(text: string): string | undefined {
  const m = /^\s*(\d+)(?:\.(\d{0,18}))?\s*$/.exec(text);
  if (!m) return undefined;
  const wei = BigInt(m[1]!) * 10n ** 18n + BigInt((m[2] ?? '').padEnd(18, '0') || '0');
  return wei.toString();
}

/** Wei from gwei typed by a person ("1.5" gwei). */
export function gweiToWei(text: string): string | undefined {
  const m = /^\s*(\d+)(?:\.(\d{0,9}))?\s*$/.exec(text);
  if (!m) return undefined;
  return (BigInt(m[1]!) * 10n ** 9n + BigInt((m[2] ?? '').padEnd(9, '0') || '0')).toString();
}
