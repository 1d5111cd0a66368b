// Typed loader for the tpm2-tss addon: finds the built tpm2.node from the package root, checks arguments,
// serialises calls per connection (ESYS is not thread-safe) and turns TSS2 failures into TpmError.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TpmError, toTpmError } from './tpmError.js';

export { TpmError, tpmBaseCode, type TpmLayer, type TpmReason } from './tpmError.js';

type Handle = { readonly __tpm2: unique symbol };
interface Binding {
  open(tcti: string): Promise<Handle>;
  close(h: Handle): void;
  getRandom(h: Handle, n: number): Promise<Buffer>;
  createPrimary(h: Handle, alg: number): Promise<{ name: Buffer }>;
  seal(h: Handle, alg: number, secret: Uint8Array, auth: Uint8Array, pcrMask: number): Promise<SealedBlob>;
  unseal(h: Handle, alg: number, pub: Uint8Array, priv: Uint8Array, auth: Uint8Array, pcrMask: number,
    parentName: Uint8Array): Promise<Buffer>;
  nvDefineCounter(h: Handle, index: number): Promise<void>;
  nvIncrement(h: Handle, index: number): Promise<void>;
  nvRead(h: Handle, index: number): Promise<Buffer>;
  nvUndefine(h: Handle, index: number): Promise<void>;
  pcrRead(h: Handle, mask: number): Promise<Buffer[]>;
  properties(h: Handle): Promise<Array<[number, number]>>;
  daParameters(h: Handle, maxTries: number, recoveryTime: number, lockoutRecovery: number): Promise<void>;
  daReset(h: Handle): Promise<void>;
}

export type PrimaryAlg = 'ecc-p256' | 'rsa-2048';
const ALG_IDS: Record<PrimaryAlg, number> = { 'ecc-p256': 0, 'rsa-2048': 1 };

export interface SealedBlob {
  /** Marshalled TPM2B_PUBLIC of the sealed object. */
  public: Buffer;
  /** Marshalled TPM2B_PRIVATE (encrypted by the storage primary). */
  private: Buffer;
  /** Name of the storage primary it was sealed under; identifies the TPM's owner seed. */
  parentName: Buffer;
}

export interface TpmInfo {
  manufacturer: string;
  vendor: string;
  firmware: string;
  specRevision: string;
  lockout: { inLockout: boolean; failedTries: number; maxTries: number; intervalSec: number; recoverySec: number };
}

export type Tpm2Availability = { available: true } | { available: false; reason: string };

/** The package root: the nearest folder above this file with a package.json (works from source and dist/). */
function packageRoot(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

let loaded: { binding: Binding } | { reason: string } | undefined;

function load(): { binding: Binding } | { reason: string } {
  if (loaded) return loaded;
  const root = packageRoot(dirname(fileURLToPath(import.meta.url)));
  const file = process.env.OWKMS_TPM2_ADDON ?? (root && join(root, 'native', 'tpm2', 'build', 'Release', 'tpm2.node'));
  if (!file || !existsSync(file)) {
    loaded = { reason: `tpm2 addon not built (${file ?? 'no package root'}); it needs libtss2-dev at install time` };
    return loaded;
  }
  // tpm2-tss logs every TPM error to stderr; failures reach the caller as TpmError instead.
  process.env.TSS2_LOG ??= 'all+none';
  try {
    loaded = { binding: createRequire(import.meta.url)(file) as Binding };
  } catch (e) {
    loaded = { reason: `tpm2 addon failed to load: ${(e as Error).message}` };
  }
  return loaded;
}

export function tpm2Availability(): Tpm2Availability {
  const l = load();
  return 'binding' in l ? { available: true } : { available: false, reason: l.reason };
}

function binding(): Binding {
  const l = load();
  if ('reason' in l) throw new TpmError(l.reason, 'UNAVAILABLE', -1, 'load');
  return l.binding;
}

function pcrMask(pcrs: readonly number[] | undefined): number {
  let mask = 0;
  for (const p of pcrs ?? []) {
    if (!Number.isInteger(p) || p < 0 || p > 23) throw new RangeError(`PCR index out of range: ${p}`);
    mask |= 1 << p;
  }
  return mask >>> 0;
}

function bytes(v: Uint8Array | undefined, what: string, max: number, min = 0): Uint8Array {
  const b = v ?? new Uint8Array(0);
  if (!(b instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (b.length < min || b.length > max) throw new RangeError(`${what} must be ${min}..${max} bytes`);
  return b;
}

/** Owner NV indexes (TCG handle registry): 0x01000000-0x01FFFFFF. */
export function checkNvIndex(index: number): number {
  if (!Number.isInteger(index) || index < 0x01000000 || index > 0x01ffffff) {
    throw new RangeError('NV index must be in 0x01000000..0x01FFFFFF');
  }
  return index;
}

const fourCc = (v: number | undefined): string =>
  v === undefined ? '' : Buffer.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]).toString('latin1');

export class TpmConnection {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly b: Binding,
    private readonly h: Handle,
    readonly tcti: string,
  ) {}

  /** Opens a TCTI by its configuration string: `device:/dev/tpmrm0`, `swtpm:host=127.0.0.1,port=2321`, `tabrmd`. */
  static async open(tcti: string): Promise<TpmConnection> {
    if (typeof tcti !== 'string' || tcti.length === 0 || tcti.length > 256) throw new TypeError('bad TCTI string');
    const b = binding();
    try {
      return new TpmConnection(b, await b.open(tcti), tcti);
    } catch (e) {
      throw toTpmError(e);
    }
  }

  // Every public method is async, so bad arguments reject like TPM failures do instead of throwing.
  private run<T>(op: (b: Binding, h: Handle) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('TPM connection is closed'));
    const next = this.queue.then(() => op(this.b, this.h)).catch((e: unknown) => Promise.reject(toTpmError(e)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async getRandom(n: number): Promise<Buffer> {
    if (!Number.isInteger(n) || n < 1 || n > 4096) throw new RangeError('getRandom: 1..4096 bytes');
    return this.run((b, h) => b.getRandom(h, n));
  }

  /** Name of the storage primary (deterministic for a given TPM owner seed). */
  async primaryName(alg: PrimaryAlg = 'ecc-p256'): Promise<Buffer> {
    return (await this.run((b, h) => b.createPrimary(h, ALG_IDS[alg]))).name;
  }

  async seal(o: { secret: Uint8Array; auth?: Uint8Array; pcrs?: readonly number[]; alg?: PrimaryAlg }): Promise<SealedBlob> {
    const secret = bytes(o.secret, 'secret', 128, 1);
    const auth = bytes(o.auth, 'auth', 32);
    const mask = pcrMask(o.pcrs);
    return this.run((b, h) => b.seal(h, ALG_IDS[o.alg ?? 'ecc-p256'], secret, auth, mask));
  }

  async unseal(o: {
    public: Uint8Array;
    private: Uint8Array;
    auth?: Uint8Array;
    pcrs?: readonly number[];
    parentName?: Uint8Array;
    alg?: PrimaryAlg;
  }): Promise<Buffer> {
    const pub = bytes(o.public, 'public', 1024, 2);
    const priv = bytes(o.private, 'private', 1024, 2);
    const auth = bytes(o.auth, 'auth', 32);
    const parent = bytes(o.parentName, 'parentName', 68);
    const mask = pcrMask(o.pcrs);
    return this.run((b, h) => b.unseal(h, ALG_IDS[o.alg ?? 'ecc-p256'], pub, priv, auth, mask, parent));
  }

  async nvDefineCounter(index: number): Promise<void> {
    checkNvIndex(index);
    return this.run((b, h) => b.nvDefineCounter(h, index));
  }

  async nvIncrement(index: number): Promise<void> {
    checkNvIndex(index);
    return this.run((b, h) => b.nvIncrement(h, index));
  }

  async nvRead(index: number): Promise<bigint> {
    checkNvIndex(index);
    return (await this.run((b, h) => b.nvRead(h, index))).readBigUInt64BE(0);
  }

  async nvUndefine(index: number): Promise<void> {
    checkNvIndex(index);
    return this.run((b, h) => b.nvUndefine(h, index));
  }

  /** sha256 bank values of the given PCRs, in the order given. */
  async pcrRead(pcrs: readonly number[]): Promise<Map<number, Buffer>> {
    const sorted = [...new Set(pcrs)].sort((a, z) => a - z);
    const values = await this.run((b, h) => b.pcrRead(h, pcrMask(sorted)));
    return new Map(sorted.map((p, i) => [p, values[i] ?? Buffer.alloc(0)]));
  }

  async info(): Promise<TpmInfo> {
    const props = new Map(await this.run((b, h) => b.properties(h)));
    const fw1 = props.get(0x10b) ?? 0;
    const fw2 = props.get(0x10c) ?? 0;
    const rev = props.get(0x102) ?? 0;
    return {
      manufacturer: fourCc(props.get(0x105)).replace(/\0+$/, ''),
      vendor: [0x106, 0x107, 0x108, 0x109].map((p) => fourCc(props.get(p))).join('').replace(/\0/g, '').trim(),
      // Part 2 10.12: version 1 is major.minor in 16-bit halves; version 2 is vendor-defined.
      firmware: `${fw1 >>> 16}.${fw1 & 0xffff}${fw2 ? `.${fw2}` : ''}`,
      specRevision: `${Math.floor(rev / 100)}.${String(rev % 100).padStart(2, '0')}`,
      lockout: {
        inLockout: ((props.get(0x200) ?? 0) & 0x200) !== 0, // TPMA_PERMANENT.inLockout
        failedTries: props.get(0x20e) ?? 0,
        maxTries: props.get(0x20f) ?? 0,
        intervalSec: props.get(0x210) ?? 0,
        recoverySec: props.get(0x211) ?? 0,
      },
    };
  }

  /** Dictionary-attack parameters (needs the lockout hierarchy's auth to be empty). */
  async setDictionaryAttackParameters(p: { maxTries: number; recoverySec: number; lockoutRecoverySec: number }): Promise<void> {
    for (const v of [p.maxTries, p.recoverySec, p.lockoutRecoverySec]) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError('DA parameters are uint32');
    }
    return this.run((b, h) => b.daParameters(h, p.maxTries, p.recoverySec, p.lockoutRecoverySec));
  }

  async resetDictionaryAttack(): Promise<void> {
    return this.run((b, h) => b.daReset(h));
  }

  /** Waits for queued calls, then releases the TCTI (nothing is left loaded in the TPM). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue;
    this.b.close(this.h);
  }
}
