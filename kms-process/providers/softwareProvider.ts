// The software provider: keys whose material is in the keystore. It decrypts a key only when an operation needs
// it, keeps the prepared handle in the key cache, and runs the algorithm file's implementation.
import type { AlgorithmId, Operation } from '../api/index.js';
import type { AlgorithmSpec, DecryptInput, EncryptInput, SignInput, VerifyInput } from '../algorithms/algorithm.js';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import { KmsError } from '../api/errors.js';
import type { KeyCache } from '../keystore/keyCache.js';
import type { Keystore } from '../keystore/keystore.js';
import type { KeyProvider, StoredKeyRef } from './provider.js';

/** Public handles carry no secret; a bounded map is enough. */
const PUBLIC_CACHE_MAX = 4096;

export class SoftwareProvider implements KeyProvider {
  readonly kind = 'software' as const;
  private readonly publicHandles = new Map<string, unknown>();

  constructor(
    private readonly registry: AlgorithmRegistry,
    private readonly keystore: () => Keystore,
    private readonly cache: KeyCache,
  ) {}

  supports(algorithm: AlgorithmId, op: Operation | 'generate'): boolean {
    if (!this.registry.has(algorithm)) return false;
    return op === 'generate' || this.registry.get(algorithm).operations.includes(op);
  }

  private spec(key: StoredKeyRef, op: Operation): AlgorithmSpec {
    return this.registry.forOperation(key.algorithm, op);
  }

  private priv(key: StoredKeyRef, spec: AlgorithmSpec): unknown {
    const cached = this.cache.get(key.id);
    if (cached !== undefined) return cached;
    const secret = this.keystore().keys.secret(key.id);
    let handle: unknown;
    try {
      handle = spec.loadPrivate({ secret, publicRaw: key.publicRaw });
    } catch (e) {
      secret.fill(0);
      throw e instanceof KmsError ? e : new KmsError('TAMPERED', 'stored key material could not be loaded', { cause: e });
    }
    this.cache.put(key.id, secret, handle);
    return handle;
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
  forget(id: string): void {
    this.cache.evict(id);
    this.publicHandles.delete(id);
  }

  async sign(key: StoredKeyRef, input: SignInput): Promise<Uint8Array> {
    const spec = this.spec(key, 'sign');
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

  async decrypt(key: StoredKeyRef, input: DecryptInput): Promise<Uint8Array> {
    const spec = this.spec(key, 'decrypt');
    return spec.decrypt!(this.priv(key, spec), input);
  }

  async mac(key: StoredKeyRef, data: Uint8Array): Promise<Uint8Array> {
    const spec = this.spec(key, 'mac');
    return spec.mac!(this.priv(key, spec), data);
  }

  async macVerify(key: StoredKeyRef, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
    const spec = this.spec(key, 'macVerify');
    return spec.macVerify!(this.priv(key, spec), data, mac);
  }
}
