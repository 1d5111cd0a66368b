// The keystore's rollback counter mirrored in a TPM NV counter (DESIGN.md section 4): it only moves forward and
// survives restarts, so an older copy of the database shows a generation below the TPM's value.
import { createHash } from 'node:crypto';
import { KmsError } from '../api/errors.js';
import { TpmConnection, TpmError } from '../../native/tpm2/index.js';

// Owner-defined NV index range (TCG handle registry, 0x01000000-0x013FFFFF); 22 bits come from the keystore id.
const NV_BASE = 0x01000000;
const NV_SPAN_MASK = 0x3fffff;

export class TpmRollbackCounter {
  constructor(
    readonly tcti: string,
    readonly index: number,
  ) {}

  /** The NV index for a keystore: stable, so the keystore need only remember its TCTI. */
  static indexFor(keystoreId: string): number {
    const h = createHash('sha256').update('owkms-nv-counter\0').update(keystoreId).digest();
    return NV_BASE + (h.readUInt32BE(0) & NV_SPAN_MASK);
  }

  static forKeystore(tcti: string, keystoreId: string): TpmRollbackCounter {
    return new TpmRollbackCounter(tcti, TpmRollbackCounter.indexFor(keystoreId));
  }

  /** Defines the counter if absent and gives it a first value (a fresh NV counter cannot be read). */
  async ensure(): Promise<bigint> {
    return this.with(async (tpm) => {
      try {
        await tpm.nvDefineCounter(this.index);
      } catch (e) {
        if (!(e instanceof TpmError && e.reason === 'NV_DEFINED')) throw e;
      }
      try {
        return await tpm.nvRead(this.index);
      } catch (e) {
        if (!(e instanceof TpmError && e.reason === 'NV_UNINITIALIZED')) throw e;
        await tpm.nvIncrement(this.index);
        return tpm.nvRead(this.index);
      }
    });
  }

  read(): Promise<bigint> {
    return this.with((tpm) => tpm.nvRead(this.index));
  }

  /** Increments and returns the new value. */
  increment(): Promise<bigint> {
    return this.with(async (tpm) => {
      await tpm.nvIncrement(this.index);
      return tpm.nvRead(this.index);
    });
  }

  /** Removes the counter (when the TPM sealer is removed from the keystore). */
  remove(): Promise<void> {
    return this.with((tpm) => tpm.nvUndefine(this.index));
  }

  private async with<T>(fn: (tpm: TpmConnection) => Promise<T>): Promise<T> {
    let tpm: TpmConnection;
    try {
      tpm = await TpmConnection.open(this.tcti);
    } catch (e) {
      throw new KmsError('UNAVAILABLE', `cannot reach the TPM at ${this.tcti}: ${(e as Error).message}`, { cause: e });
    }
    try {
      return await fn(tpm);
    } catch (e) {
      if (e instanceof TpmError && e.reason === 'HANDLE') {
        throw new KmsError('NOT_FOUND', `TPM NV counter 0x${this.index.toString(16)} does not exist`, { cause: e });
      }
      if (e instanceof TpmError && e.reason === 'IO') {
        throw new KmsError('UNAVAILABLE', `cannot reach the TPM: ${e.message}`, { cause: e });
      }
      throw new KmsError('INTERNAL', `TPM NV counter failed: ${(e as Error).message}`, { cause: e });
    } finally {
      await tpm.close();
    }
  }
}
