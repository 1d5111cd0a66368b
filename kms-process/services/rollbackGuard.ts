// Rollback detection (DESIGN.md section 4): the keystore's MACed `rollback_counter` mirrored in a TPM NV counter
// when the TPM sealer is enrolled. At each unlock the stored value must be at least the TPM's, then both advance,
// so a copy of the database from an earlier session is ROLLBACK. The database is written first: a crash between
// the two writes leaves it ahead of the TPM, which is accepted.
import { KmsError } from '../api/index.js';
import type { Keystore } from '../keystore/keystore.js';
import { TpmRollbackCounter } from '../sealing/tpmCounter.js';

const META_KEY = 'rollback_counter';

export type RollbackCheck = { state: 'checked'; counter: string } | { state: 'none' } | { state: 'skipped'; reason: string };

function counterFor(ks: Keystore, copies = ks.sealedCopies()): TpmRollbackCounter | undefined {
  const tpm = copies.find((c) => c.kind === 'tpm');
  if (!tpm) return undefined;
  const tcti = process.env.OWKMS_TCTI ?? (typeof tpm.params.tcti === 'string' ? tpm.params.tcti : undefined);
  if (!tcti) return undefined;
  return TpmRollbackCounter.forKeystore(tcti, ks.keystoreId!);
}

/** When the TPM sealer is removed: free its NV index (best effort; a TPM that is gone keeps it). */
export async function stopRollbackCounter(ks: Keystore, oldCopies: ReturnType<Keystore['sealedCopies']>): Promise<void> {
  const counter = counterFor(ks, oldCopies);
  if (!counter) return;
  try {
    await counter.remove();
  } catch {
    // the TPM may be unreachable now; the index is only a counter and holds no secret
  }
  ks.write(() => ks.meta.set(META_KEY, '0'));
}

/** At init (unlocked): make the NV counter and record its value. */
export async function startRollbackCounter(ks: Keystore): Promise<void> {
  const counter = counterFor(ks);
  if (!counter) return;
  const value = await counter.ensure();
  ks.write(() => ks.meta.set(META_KEY, value.toString()));
}

/** After the master key is back (unlocked): compare and advance. Throws ROLLBACK for an older database. */
export async function checkRollback(ks: Keystore, unlockedByTpm: boolean): Promise<RollbackCheck> {
  const counter = counterFor(ks);
  if (!counter) return { state: 'none' };
  let tpmValue: bigint;
  try {
    tpmValue = await counter.read();
  } catch (e) {
    // The TPM is gone or is another TPM: the passphrase (or another sealer) still opens the keystore, but the
    // check cannot run; unlocking through the TPM itself proves the TPM is there, so that case is an error.
    if (unlockedByTpm) throw e;
    return { state: 'skipped', reason: e instanceof Error ? e.message : 'TPM unavailable' };
  }
  const stored = BigInt(ks.meta.get(META_KEY) ?? '0');
  if (stored < tpmValue) {
    throw new KmsError('ROLLBACK', `this keystore is an older copy (its rollback counter ${stored} is below the TPM counter ${tpmValue})`);
  }
  const next = (stored > tpmValue ? stored : tpmValue) + 1n;
  ks.write(() => ks.meta.set(META_KEY, next.toString()));
  await counter.increment();
  return { state: 'checked', counter: next.toString() };
}
