// One deterministic byte encoding for everything the keystore authenticates (AEAD associated data, row MACs).
import { toB64u } from '../api/bytes.js';

type Field = string | number | boolean | null | undefined | Uint8Array;

/** Domain-tagged JSON array: field order is fixed by the caller, bytes become base64url, absent becomes null. */
export function canonical(domain: string, fields: readonly Field[]): Buffer {
  const normalized = fields.map((f) => (f instanceof Uint8Array ? toB64u(f) : f === undefined ? null : f));
  return Buffer.from(JSON.stringify([domain, ...normalized]), 'utf8');
}
