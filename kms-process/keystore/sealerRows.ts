// The sealer rows (one sealed copy of the master key per sealer) and the checks that tell a damaged copy from a wrong
// secret before any unseal: an AEAD cannot tell the two apart, and a wrong guess would count as a failed attempt.
// Both digests are unkeyed on purpose (they find damage before unlock; anyone can recompute them, so against an edit
// they prove nothing): the sealer MACs and the metadata MAC, checked once unlocked, find edits.
import { createHash } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import { sealerKind, type SealerKind } from '../api/index.js';
import type { SealedCopy } from '../sealing/sealer.js';
import { canonical } from './canonical.js';
import type { Db } from './database.js';
import type { DerivedKeys } from './derivedKeys.js';
import type { MetaTable } from './metaTable.js';

/** SHA-256 of the sealer rows as stored, written with them (issue 9). */
export const SEALERS_DIGEST = 'sealers_sha256';
/**
 * SHA-256 of everything unsealing reads (keystore id, unlock policy, master check, every sealer row), written with
 * them (issue 13): a damaged keystore id or master check is TAMPERED too, not a wrong passphrase.
 */
export const UNSEAL_CHECK_KEY = 'unseal_check';

const SEALER_KINDS: readonly string[] = sealerKind.options;

export type SealerRow = { kind: string; params: string; blob: Buffer };

export function readSealerRows(db: Db): SealerRow[] {
  return db.prepare('SELECT kind, params, blob FROM sealers ORDER BY kind').all() as SealerRow[];
}

export function sealersDigest(rows: readonly SealerRow[]): string {
  return createHash('sha256').update(canonical('owkms/sealers-digest/v1', rows.flatMap((r) => [r.kind, r.params, r.blob]))).digest('base64url');
}

export function unsealDigest(db: Db, meta: MetaTable): string {
  const fields = ['keystore_id', 'unlock_policy', 'master_check'].map((k) => meta.get(k) ?? null);
  const rows = db.prepare('SELECT kind, params, blob FROM sealers ORDER BY kind').all() as Array<{ kind: unknown; params: unknown; blob: unknown }>;
  const items = rows.flatMap((r) => [String(r.kind), String(r.params), r.blob instanceof Uint8Array ? r.blob : String(r.blob)]);
  return createHash('sha256').update(canonical('owkms/unseal-check/v1', [...fields, ...items])).digest('base64url');
}

/** The rows as sealed copies; a row of no known kind or with unreadable parameters is CORRUPT. */
export function parseSealerRows(rows: readonly SealerRow[]): SealedCopy[] {
  return rows.map((r) => {
    if (!SEALER_KINDS.includes(r.kind)) throw new KmsError('CORRUPT', 'a sealer record names no known sealer');
    try {
      return { kind: r.kind as SealerKind, params: JSON.parse(r.params) as Record<string, unknown>, blob: r.blob };
    } catch (e) {
      throw new KmsError('CORRUPT', `sealer ${r.kind} parameters are unreadable`, { cause: e });
    }
  });
}

/** The MAC of one sealer row (its kind, parameters and sealed blob). */
export function sealerMac(dk: DerivedKeys, c: SealedCopy): Buffer {
  return dk.hmac('row-mac', canonical('owkms/sealer/v1', [c.kind, JSON.stringify(c.params), c.blob]));
}
