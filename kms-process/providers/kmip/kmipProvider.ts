// The `kmip:NAME` provider: keys made on and used through a KMIP server, the keystore keeping only the server's
// unique identifiers (and the public key). Every failure of the server, the network or TLS is REMOTE_ERROR with
// the server's reason; what the negotiated protocol cannot say is UNSUPPORTED.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsError, type AlgorithmId, type Operation } from '../../api/index.js';
import type { DecryptInput, EncryptInput, EncryptOutput, SignInput, VerifyInput } from '../../algorithms/algorithm.js';
import type { ExternalKeyProvider, NewProviderKey, StoredKeyRef } from '../provider.js';
import { KmipClient, KmipShapeError, KmipUnsupportedError } from './kmipClient.js';
import { KmipTransportError } from './kmipConnection.js';
import { KmipServerError } from './kmipMessages.js';
import { REVOCATION_REASON } from './kmipTags.js';
import { TtlvError } from './ttlv.js';
import { cipherParams, derToP1363, KMIP_ALGORITHMS, kmipAlgorithm, p1363ToDer, publicRawFrom, signParams, usageMask } from './kmipAlgorithms.js';

/** The KMIP client of a remote by name (the runtime builds it from the keystore's remotes table). */
export type ClientFor = (remote: string) => KmipClient;

/** Turn whatever a KMIP exchange threw into the KMS's error kinds; the message names the remote, never data. */
export function remoteError(remote: string, e: unknown): KmsError {
  if (e instanceof KmsError) return e;
  if (e instanceof KmipUnsupportedError) return new KmsError('UNSUPPORTED', `KMIP server '${remote}': ${e.message}`, { cause: e });
  if (e instanceof KmipServerError || e instanceof KmipTransportError) return new KmsError('REMOTE_ERROR', `KMIP server '${remote}': ${e.message}`, { cause: e });
  if (e instanceof TtlvError || e instanceof KmipShapeError) return new KmsError('REMOTE_ERROR', `KMIP server '${remote}' sent a malformed answer: ${e.message}`, { cause: e });
  return new KmsError('REMOTE_ERROR', `KMIP server '${remote}' could not be used`, { cause: e });
}

function remoteOf(key: StoredKeyRef): string {
  return key.provider.slice(key.provider.indexOf(':') + 1);
}

function uidOf(key: StoredKeyRef, which: 'uid' | 'publicUid' = 'uid'): string {
  const uid = key.ref?.[which] ?? key.ref?.uid;
  if (!uid) throw new KmsError('TAMPERED', 'the key record has no KMIP unique identifier');
  return uid;
}

export class KmipProvider implements ExternalKeyProvider {
  readonly kind = 'kmip' as const;

  constructor(private readonly clientFor: ClientFor) {}

  supports(algorithm: AlgorithmId, op: Operation | 'generate'): boolean {
    const a = KMIP_ALGORITHMS[algorithm];
    return a !== undefined && (op === 'generate' || a.operations.includes(op));
  }

  private async run<T>(remote: string, fn: (c: KmipClient) => Promise<T>): Promise<T> {
    try {
      return await fn(this.clientFor(remote));
    } catch (e) {
      throw remoteError(remote, e);
    }
  }

  async generate(remote: string, algorithm: AlgorithmId, options: { label: string; id: string }): Promise<NewProviderKey> {
    const a = kmipAlgorithm(algorithm);
    // The server-side name ties the object to this keystore's key id (Locate finds it again).
    const name = `owkms:${options.id}`;
    return this.run(remote, async (c): Promise<NewProviderKey> => {
      if (a.family === 'aes' || a.family === 'hmac') {
        const attrs = { 'Cryptographic Algorithm': a.algorithm, 'Cryptographic Length': a.bits, 'Cryptographic Usage Mask': usageMask(a.operations), Name: name };
        let uid: string;
        if (a.family === 'aes') uid = await c.create(attrs);
        else {
          // KMIP's Create makes symmetric keys for ciphers; an HMAC key is made here and Registered (PyKMIP's Create
          // refuses HMAC algorithms). The KMS's copy is zeroized at once and never stored.
          const secret = randomBytes(a.bits / 8);
          try {
            uid = await c.registerSymmetric(attrs, a.algorithm, secret);
          } finally {
            secret.fill(0);
          }
        }
        await this.activateOrDestroy(c, [uid]);
        return { ref: { uid } };
      }
      const pair = await c.createKeyPair(
        { 'Cryptographic Algorithm': a.algorithm, 'Cryptographic Length': a.bits },
        { 'Cryptographic Usage Mask': usageMask(['sign']), Name: name },
        { 'Cryptographic Usage Mask': usageMask(['verify']), Name: `${name}.pub` },
      );
      await this.activateOrDestroy(c, [pair.privateUid, pair.publicUid]);
      const publicRaw = publicRawFrom(algorithm, await c.get(pair.publicUid));
      return { publicRaw, ref: { uid: pair.privateUid, publicUid: pair.publicUid } };
    });
  }

  /** A new object that cannot be activated is not left behind on the server. */
  private async activateOrDestroy(c: KmipClient, uids: string[]): Promise<void> {
    try {
      for (const uid of uids) await c.activate(uid);
    } catch (e) {
      await Promise.allSettled(uids.map((uid) => this.retire(c, uid)));
      throw e;
    }
  }

  private async retire(c: KmipClient, uid: string): Promise<void> {
    await c.revoke(uid, REVOCATION_REASON.CessationOfOperation).catch(() => undefined);
    await c.destroy(uid);
  }

  /** Revoke and destroy the key's objects on the server. */
  async destroy(key: StoredKeyRef): Promise<void> {
    const uids = [key.ref?.uid, key.ref?.publicUid].filter((u): u is string => typeof u === 'string');
    await this.run(remoteOf(key), async (c) => {
      for (const uid of uids) await this.retire(c, uid);
    });
  }

  async sign(key: StoredKeyRef, input: SignInput): Promise<Uint8Array> {
    const { params, p1363 } = signParams(key.algorithm, input);
    const sig = await this.run(remoteOf(key), (c) => c.sign(uidOf(key), params, input.data));
    if (!p1363) return sig;
    try {
      return derToP1363(key.algorithm, sig);
    } catch (e) {
      throw new KmsError('REMOTE_ERROR', `KMIP server '${remoteOf(key)}' sent an ECDSA signature that is not DER`, { cause: e });
    }
  }

  async verify(key: StoredKeyRef, input: VerifyInput): Promise<boolean> {
    const { params, p1363 } = signParams(key.algorithm, input);
    let signature: Uint8Array | undefined = input.signature;
    if (p1363) signature = p1363ToDer(key.algorithm, input.signature);
    if (!signature) return false;
    const sig = signature;
    return this.run(remoteOf(key), (c) => c.signatureVerify(uidOf(key, 'publicUid'), params, input.data, sig));
  }

  async encrypt(key: StoredKeyRef, input: EncryptInput): Promise<EncryptOutput> {
    const { mode, params, ivBytes } = cipherParams(key.algorithm, input.mode);
    if (mode !== 'gcm' && input.aad) throw new KmsError('UNSUPPORTED', `${key.algorithm} mode '${mode}' takes no aad`);
    const iv = input.iv ?? new Uint8Array(randomBytes(ivBytes));
    if (iv.length !== ivBytes) throw new KmsError('INVALID_REQUEST', `a ${mode.toUpperCase()} IV is ${ivBytes} bytes`);
    const out = await this.run(remoteOf(key), (c) => c.encrypt(uidOf(key), params, input.data, iv, input.aad));
    if (mode === 'gcm' && out.tag?.length !== 16) throw new KmsError('REMOTE_ERROR', `KMIP server '${remoteOf(key)}' returned no 128-bit GCM tag`);
    return { ciphertext: out.data, mode, iv, ...(mode === 'gcm' ? { tag: out.tag! } : {}) };
  }

  async decrypt(key: StoredKeyRef, input: DecryptInput): Promise<Uint8Array> {
    const { mode, params, ivBytes } = cipherParams(key.algorithm, input.mode);
    if (!input.iv || input.iv.length !== ivBytes) throw new KmsError('INVALID_REQUEST', `a ${mode.toUpperCase()} IV of ${ivBytes} bytes is required`);
    if (mode === 'gcm' && input.tag?.length !== 16) throw new KmsError('INVALID_REQUEST', 'a 16-byte GCM tag is required');
    if (mode !== 'gcm' && (input.tag || input.aad)) throw new KmsError('INVALID_REQUEST', `mode '${mode}' takes no tag or aad`);
    return this.run(remoteOf(key), (c) => c.decrypt(uidOf(key), params, input.data, input.iv, input.tag, input.aad));
  }

  async mac(key: StoredKeyRef, data: Uint8Array): Promise<Uint8Array> {
    const a = kmipAlgorithm(key.algorithm);
    return this.run(remoteOf(key), (c) => c.mac(uidOf(key), { cryptographicAlgorithm: a.algorithm }, data));
  }

  /** The server's MAC compared here in constant time (KMIP's MAC Verify is 2.0-only and rare). */
  async macVerify(key: StoredKeyRef, data: Uint8Array, mac: Uint8Array): Promise<boolean> {
    const expected = await this.mac(key, data);
    return expected.length === mac.length && timingSafeEqual(expected, mac);
  }
}
