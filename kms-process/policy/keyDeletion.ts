// Deleting a key destroys it. From the renderer (or a REST client) that is allowed only where nothing is lost: a
// key with no secret in this keystore (public-only, or a token key whose object stays on its token) or an HD child
// whose seed is still here to derive it again. Anything else needs a trusted prompt (APPROVAL_DENIED tells the
// broker to ask the user and forward the call as `app`).
import { KmsError, type Caller } from '../api/index.js';
import type { KeyRecord } from '../keystore/keyTable.js';
import { CONFIRMING_CALLERS } from './rightsChange.js';

/** Derivation paths whose key can be made again from a parent that is still stored. */
const REDERIVABLE = (path: string): boolean => path.startsWith('m/');

export function assertDeletable(rec: KeyRecord, caller: Caller, parentStored: (id: string) => boolean): void {
  if (CONFIRMING_CALLERS.has(caller)) return;
  if (!rec.hasSecret) return;
  if (rec.derivation && REDERIVABLE(rec.derivation.path) && parentStored(rec.derivation.parentId)) return;
  throw new KmsError('APPROVAL_DENIED', 'deleting a key that holds a secret needs approval in a trusted prompt');
}
