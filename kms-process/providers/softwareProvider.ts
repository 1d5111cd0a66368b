// The software provider: keys whose material is in the keystore. It decrypts a key only when an operation needs
// it, keeps the prepared handle in the key cache, and runs the algorithm file's implementation.
import type { AlgorithmId, Operation } from '../api/index.js';
import type { AlgorithmSpec, DecryptInput, EncryptInput, SignInput, VerifyInput } from '../algorithms/algorithm.js';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import { KmsError } from '../api/errors.js';
import type { KeyCache } from '../keystore/keyCache.js';
import type { Keystore } from '../keystore/keystore.js';
import type { KeyProvider, StoredKeyRef } from './provider.js';
import type { CryptoPool } from '../workers/cryptoPool.js';
import type { PoolInput, PoolOp } from '../workers/poolProtocol.js';

/** Public handles carry no secret; a bounded map is enough. */
const PUBLIC_CACHE_MAX = 4096;

/** A fresh, exactly sized copy: what goes to a worker must not drag Buffer's shared pool slab along (structured clone copies a view's whole ArrayBuffer). */
function own(b: Uint8Array): Uint8Array {
  const c = new Uint8Array(b.length);
  c.set(b);
  return c;
}

function ownInput<T extends object>(input: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(input)) if (v !== undefined) out[k] = v instanceof Uint8Array ? own(v) : v;
  return out as T;
}

export class SoftwareProvider implements KeyProvider {
  readonly kind = 'software' as const;
  private readonly publicHandles = new Map<string, unknown>();

  constructor(
    private readonly registry: () => AlgorithmRegistry,
    private readonly keystore: () => Keystore,
    private readonly cache: KeyCache,
    /** Whether other requests are in flight (the dispatcher's count). */
    private readonly busy: () => boolean = () => false,
    /** Crypto workers for CPU-bound operations while requests queue up (absent: everything on this thread). */
    private readonly pool?: CryptoPool,
  ) {}

  /**
   * Whether this operation goes to a crypto worker: only while other requests are in flight (a single call is
   * faster here than after any hop), and only when keys are cached at all (a worker holds a key as long as the
   * main cache does; with no cache there is nothing it could keep).
   */
  private offload(): boolean {
    return this.pool !== undefined && this.cache.idleMs > 0 && this.busy();
  }

  private cacheIdOf(key: StoredKeyRef, version?: number): string {
    return version === undefined || version === key.version ? key.id : `${key.id}#${version}`;
  }

  /** The operation on a worker holding the key; the key is loaded (and checked) here first, as for a local call. */
  private pooled(op: PoolOp, key: StoredKeyRef, spec: AlgorithmSpec, input: PoolInput): Promise<unknown> {
    this.priv(key, spec);
    const cacheId = this.cacheIdOf(key);
    const secret = () => {
      const s = this.cache.secretOf(cacheId);
      if (!s) throw new KmsError('INTERNAL', 'the key left the cache before it reached a worker');
      return own(s);
    };
    return this.pool!.run({ op, algorithm: spec.id, cacheId, input: ownInput(input), publicRaw: key.publicRaw ? own(key.publicRaw) : undefined }, secret);
  }

  supports(algorithm: AlgorithmId, op: Operation | 'generate'): boolean {
    if (!this.registry().has(algorithm)) return false;
    return op === 'generate' || this.registry().get(algorithm).operations.includes(op);
  }

  private spec(key: StoredKeyRef, op: Operation): AlgorithmSpec {
    return this.registry().forOperation(key.algorithm, op);
  }

  private priv(key: StoredKeyRef, spec: AlgorithmSpec, version?: number): unknown {
    // Earlier versions of a rotated key are cached under their own name; the current one under the key id.
    const cacheId = this.cacheIdOf(key, version);
    const cached = this.cache.get(cacheId);
    if (cached !== undefined) return cached;
    const keys = this.keystore().keys;
    const secret = cacheId === key.id ? keys.secret(key.id) : keys.secretOfVersion(key.id, version!);
    let handle: unknown;
    try {
      handle = spec.loadPrivate({ secret, publicRaw: key.publicRaw });
    } catch (e) {
      secret.fill(0);
      throw e instanceof KmsError ? e : new KmsError('TAMPERED', 'stored key material could not be loaded', { cause: e });
    }
    this.cache.put(cacheId, secret, handle);
    return handle;
  }

  /** The spec and the prepared private handle, for operations beyond the KeyProvider interface (agree, derive...). */
  privateHandle(key: StoredKeyRef, op: Operation): { spec: AlgorithmSpec; handle: unknown } {
    const spec = this.spec(key, op);
    return { spec, handle: this.priv(key, spec) };
  }

  /** The spec and the public handle (falls back to the private one where the algorithm has no public part). */
  publicHandle(key: StoredKeyRef, op: Operation): { spec: AlgorithmSpec; handle: unknown } {
    const spec = this.spec(key, op);
    return { spec, handle: spec.type === 'symmetric' ? this.priv(key, spec) : this.pub(key, spec) };
  }

  private pub(key: StoredKeyRef, spec: AlgorithmSpec): unknown {
    let h = this.publicHandles.get(key.id);
    if (h === undefined) {
      if (!key.publicRaw || !spec.loadPublic) return this.priv(key, spec);
      h = spec.loadPublic(key.publicRaw);
      if (this.publicHandles.size >= PUBLIC_CACHE_MAX) this.publicHandles.delete(this.publicHandles.keys().next().value!);
      this.publicHandles.set(key.id, h);
    }
    return h;
  }

  /** Drop what is cached for a key (deleted or updated). */
  forget(id: string, versions: readonly number[] = []): void {
    this.cache.evict(id);
    for (const v of versions) this.cache.evict(`${id}#${v}`);
    this.publicHandles.delete(id);
  }

  async sign(key: StoredKeyRef, input: SignInput): Promise<Uint8Array> {
    const spec = this.spec(key, 'sign');
    // One request at a time: sign right here (a hop to another thread would only add latency). Several in flight:
    // sign on the crypto workers, so the main thread keeps parsing and answering while both cores sign.
    if (this.offload()) {
      // node:crypto's algorithms sign on libuv's threads, from the native key the handle already holds (no copy
      // of the secret, and measured cheaper per call than a worker message); the others (JavaScript curves) on
      // the crypto workers, which hold their own copy of the key.
      if (spec.signAsync) return spec.signAsync(this.priv(key, spec), input);
      return (await this.pooled('sign', key, spec, input)) as Uint8Array;
    }
    return spec.sign!(this.priv(key, spec), input);
  }

  async verify(key: StoredKeyRef, input: VerifyInput): Promise<boolean> {
    const spec = this.spec(key, 'verify');
    return spec.verify!(this.pub(key, spec), input);
  }

  async encrypt(key: StoredKeyRef, input: EncryptInput) {
    const spec = this.spec(key, 'encrypt');
    return spec.encrypt!(spec.type === 'symmetric' ? this.priv(key, spec) : this.pub(key, spec), input);
  }

  async decrypt(key: StoredKeyRef, input: DecryptInput & { version?: number | undefined }): Promise<Uint8Array> {
    const spec = this.spec(key, 'decrypt');
    return spec.decrypt!(this.priv(key, spec, input.version), input);
  }

  async mac(key: StoredKeyRef, data: Uint8Array): Promise<Uint8Array> {
    const spec = this.spec(key, 'mac');
    return spec.mac!(this.priv(key, spec), data);
  }

  async agree(key: StoredKeyRef, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    const spec = this.spec(key, 'agree');
    return spec.agree!(this.priv(key, spec), peerPublicKey);
  }

  async wrapKey(key: StoredKeyRef, material: Uint8Array, mode?: string): Promise<Uint8Array> {
    const { spec, handle } = this.publicHandle(key, 'wrap');
    return spec.wrap!(handle, material, mode);
  }

  async unwrapKey(key: StoredKeyRef, wrapped: Uint8Array, mode?: string): Promise<Uint8Array> {
    const { spec, handle } = this.privateHandle(key, 'unwrap');
    return spec.unwrap!(handle, wrapped, mode);
  }

  async macVerify(key: StoredKeyRef, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
    const spec = this.spec(key, 'macVerify');
    return spec.macVerify!(this.priv(key, spec), data, mac);
  }
}
