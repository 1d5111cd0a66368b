// Bytes on the wire are base64url without padding (DESIGN.md section 2).

const B64URL = /^[A-Za-z0-9_-]*$/;

export function toB64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Strict decoding: rejects padding, other alphabets and impossible lengths instead of skipping characters. */
export function fromB64u(text: string): Buffer | undefined {
  if (!B64URL.test(text) || text.length % 4 === 1) return undefined;
  return Buffer.from(text, 'base64url');
}

export function isB64u(text: string): boolean {
  return B64URL.test(text) && text.length % 4 !== 1;
}
