// One deterministic byte encoding for everything the keystore authenticates (AEAD associated data, row MACs).
import { toB64u } from '../api/bytes.js';
import { KmsError } from '../api/errors.js';
import { isWellFormedString } from '../api/wellFormed.js';

type Field = string | number | boolean | null | undefined | Uint8Array;

/**
 * Domain-tagged JSON array: field order is fixed by the caller, bytes become base64url, absent becomes null. A string
 * must be well-formed Unicode: JSON.stringify escapes a lone surrogate, SQLite stores U+FFFD, and the MAC would no
 * longer cover the bytes stored (the protocol refuses such strings; this is the keystore's own guard).
 */
export function canonical(domain: string, fields: readonly Field[]): Buffer {
  for (const f of fields) {
    if (typeof f === 'string' && !isWellFormedString(f)) throw new KmsError('INVALID_REQUEST', 'a stored string must be well-formed Unicode');
  }
  const normalized = fields.map((f) => (f instanceof Uint8Array ? toB64u(f) : f === undefined ? null : f));
  return Buffer.from(JSON.stringify([domain, ...normalized]), 'utf8');
}
