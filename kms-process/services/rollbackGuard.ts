// Rollback detection (DESIGN.md section 4): the keystore's MACed `rollback_counter` mirrored where copying the
// database file does not copy it. With the TPM sealer enrolled: a TPM NV counter. Otherwise: an entry in the OS
// keychain, whenever a keychain answers (keychainCounter.ts), whether or not it is a sealer. At each unlock the
// stored value must be at least the mirror's, then both advance, so a copy of the database from an earlier session
// is ROLLBACK. The database is written first: a crash between the two writes leaves it ahead, which is accepted.
import { KmsError } from '../api/index.js';
import type { Keystore } from '../keystore/keystore.js';
import { KeychainRollbackCounter } from '../sealing/keychainCounter.js';
import { TpmRollbackCounter } from '../sealing/tpmCounter.js';

const META_KEY = 'rollback_counter';
/** Which mirror was last armed (`keychain`), so a mirror that disappeared is reported as such. */
const GUARD_META_KEY = 'rollback_guard';

export type RollbackGuardKind = 'tpm' | 'keychain' | 'none';

/** What kms.status reports: which guard is active, and why (or why none is). */
export interface RollbackStatus {
  guard: RollbackGuardKind;
  /** checked: compared and advanced; armed: the mirror was (re)created now; skipped: the mirror could not be read. */
  state: 'checked' | 'armed' | 'skipped' | 'none';
  detail: string;
}

function counterFor(ks: Keystore, copies = ks.sealedCopies()): TpmRollbackCounter | undefined {
  const tpm = copies.find((c) => c.kind === 'tpm');
  if (!tpm) return undefined;
  const tcti = process.env.OWKMS_TCTI ?? (typeof tpm.params.tcti === 'string' ? tpm.params.tcti : undefined);
  if (!tcti) return undefined;
  return TpmRollbackCounter.forKeystore(tcti, ks.keystoreId!);
}

const reason = (e: unknown) => (e instanceof Error ? e.message : String(e));

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

/** At init or when the TPM sealer is added (unlocked): make the NV counter and record its value. */
export async function startRollbackCounter(ks: Keystore): Promise<RollbackStatus> {
  const counter = counterFor(ks);
  if (!counter) return checkKeychain(ks);
  const value = await counter.ensure();
  ks.write(() => ks.meta.set(META_KEY, value.toString()));
  return { guard: 'tpm', state: 'armed', detail: `TPM NV counter at ${value}` };
}

/**
 * A keystore owkms doctor salvaged from a damaged one (same keystore id, same mirror): its counter starts where the
 * mirror is, then both advance, so the damaged original is from then on an older copy (ROLLBACK).
 */
export async function adoptRollbackMirror(ks: Keystore): Promise<RollbackStatus> {
  const counter = counterFor(ks);
  let mirrored: bigint | undefined;
  try {
    mirrored = counter ? await counter.read() : await new KeychainRollbackCounter(ks.keystoreId!).read();
  } catch {
    mirrored = undefined; // no mirror answers: checkRollback reports it
  }
  if (mirrored !== undefined && mirrored > BigInt(ks.meta.get(META_KEY) ?? '0')) ks.write(() => ks.meta.set(META_KEY, mirrored.toString()));
  return checkRollback(ks, false);
}

/** After the master key is back (unlocked): compare and advance. Throws ROLLBACK for an older database. */
export async function checkRollback(ks: Keystore, unlockedByTpm: boolean): Promise<RollbackStatus> {
  const counter = counterFor(ks);
  if (!counter) return checkKeychain(ks);
  let tpmValue: bigint;
  try {
    tpmValue = await counter.read();
  } catch (e) {
    // The TPM is gone or is another TPM: the passphrase (or another sealer) still opens the keystore, but the
    // check cannot run; unlocking through the TPM itself proves the TPM is there, so that case is an error.
    if (unlockedByTpm) throw e;
    return { guard: 'tpm', state: 'skipped', detail: reason(e) };
  }
  const stored = BigInt(ks.meta.get(META_KEY) ?? '0');
  if (stored < tpmValue) {
    throw new KmsError('ROLLBACK', `this keystore is an older copy (its rollback counter ${stored} is below the TPM counter ${tpmValue})`);
  }
  const next = (stored > tpmValue ? stored : tpmValue) + 1n;
  ks.write(() => ks.meta.set(META_KEY, next.toString()));
  await counter.increment();
  return { guard: 'tpm', state: 'checked', detail: `TPM NV counter at ${next}` };
}

/** The keychain mirror: compare with it if there is one, then advance both (or arm it). */
async function checkKeychain(ks: Keystore): Promise<RollbackStatus> {
  const mirror = new KeychainRollbackCounter(ks.keystoreId!);
  let mirrored: bigint | undefined;
  try {
    mirrored = await mirror.read();
  } catch (e) {
    if (e instanceof KmsError && e.kind === 'TAMPERED') throw e;
    return { guard: 'none', state: 'skipped', detail: `no keychain answered: ${reason(e)}` };
  }
  const stored = BigInt(ks.meta.get(META_KEY) ?? '0');
  if (mirrored !== undefined && stored < mirrored) {
    throw new KmsError('ROLLBACK', `this keystore is an older copy (its rollback counter ${stored} is below the keychain's ${mirrored})`);
  }
  const wasArmed = ks.meta.get(GUARD_META_KEY) === 'keychain';
  const next = (mirrored !== undefined && mirrored > stored ? mirrored : stored) + 1n;
  ks.write(() => ks.meta.set(META_KEY, next.toString()));
  try {
    await mirror.write(next);
  } catch (e) {
    // No keychain keeps values here (none running, or no Secret Service on this session): nothing guards.
    return { guard: 'none', state: 'none', detail: `no keychain to mirror the rollback counter: ${reason(e)}` };
  }
  if (!wasArmed) ks.write(() => ks.meta.set(GUARD_META_KEY, 'keychain'));
  if (mirrored !== undefined) return { guard: 'keychain', state: 'checked', detail: `keychain counter at ${next}` };
  return {
    guard: 'keychain',
    state: 'armed',
    // Missing although armed before: removed from the keychain, or another keychain (a new login keyring).
    detail: wasArmed ? 'the keychain had no counter for this keystore although it had one before; set again' : `keychain counter at ${next}`,
  };
}
