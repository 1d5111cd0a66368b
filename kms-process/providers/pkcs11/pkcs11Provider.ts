// The `pkcs11` key provider: keys generated on (or adopted from) a token and used there; the keystore keeps only
// { serial, ckaId } and the public key. Operations run on pooled sessions through the TokenService.
import { createPublicKey, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { KmsError, type AlgorithmId, type Operation } from '../../api/index.js';
import type { DecryptInput, EncryptInput, EncryptOutput, SignInput, VerifyInput } from '../../algorithms/algorithm.js';
import type { ExternalKeyProvider, NewProviderKey, StoredKeyRef } from '../provider.js';
import { CKR, mechanismName } from './pkcs11Constants.js';
import { ckrOf } from './pkcs11Errors.js';
import { pivCkaId } from './pivSlots.js';
import type { SessionPool } from './sessionPool.js';
import { generationSpec, TOKEN_ALGORITHMS, tokenAlgorithm, wrapEcPoint, type TokenAlgorithm } from './tokenAlgorithms.js';
import { cipherError, planDecrypt, planEcdh, planEncrypt, splitGcm, wrapMechanism, wrappedBytes, type OaepHash } from './tokenCiphers.js';
import { findKey, findObjects, identifyKey, readProtection, readPublicRaw, requireKey, type KeyProtection } from './tokenObjects.js';
import { planSign, planVerify } from './tokenSignatures.js';
import type { TokenService } from './tokenService.js';

export interface Pkcs11KeyRef {
  serial: string;
  /** CKA_ID, lower-case hex. */
  ckaId: string;
}

const CKA_ID_HEX = /^(?:[0-9a-f]{2}){1,64}$/;
/** Temporary session objects holding material the KMS wraps or receives (never on the token, readable). */
const EXPORTABLE_SECRET: pkcs11js.Template = [
  { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
  { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
  { type: pkcs11js.CKA_TOKEN, value: false },
  { type: pkcs11js.CKA_SENSITIVE, value: false },
  { type: pkcs11js.CKA_EXTRACTABLE, value: true },
];

export class Pkcs11Provider implements ExternalKeyProvider {
  readonly kind = 'pkcs11' as const;

  private readonly oaepHash: OaepHash;

  /** `oaepHash`: RSA-OAEP hash for encrypt and wrap (default SHA-256; SoftHSM2 2.6 implements SHA-1 only). */
  constructor(
    readonly tokens: TokenService,
    options: { oaepHash?: OaepHash } = {},
  ) {
    this.oaepHash = options.oaepHash ?? 'sha256';
  }

  supports(algorithm: AlgorithmId, op: Operation | 'generate'): boolean {
    const alg = TOKEN_ALGORITHMS[algorithm];
    return alg !== undefined && (op === 'generate' || alg.operations.includes(op));
  }

  async generate(target: string, algorithm: AlgorithmId, options: { label: string; id: string }): Promise<NewProviderKey> {
    const alg = tokenAlgorithm(algorithm);
    const ckaId = randomBytes(16);
    const spec = generationSpec(alg, ckaId, options.label || options.id);
    return this.tokens.run(target, 'generate', async (s, pool) => {
      if (pool.module.profile.pivSlots) {
        throw new KmsError('UNSUPPORTED', 'PIV keys are generated with ykman or yubico-piv-tool (management key); adopt them by slot, e.g. --id 9a');
      }
      this.requireMechanism(pool, spec.mechanism);
      const lib = pool.lib;
      let privateHandle: Buffer;
      let publicRaw: Uint8Array | undefined;
      if (spec.pair) {
        const pair = await lib.C_GenerateKeyPairAsync(s, { mechanism: spec.mechanism }, spec.publicTemplate, spec.privateTemplate);
        privateHandle = pair.privateKey;
        publicRaw = readPublicRaw(lib, s, pair.publicKey, alg);
      } else {
        privateHandle = await lib.C_GenerateKeyAsync(s, { mechanism: spec.mechanism }, spec.privateTemplate);
      }
      // Trust, but check: a module that ignored the template must not leave an extractable key behind.
      const protection = readProtection(lib, s, privateHandle);
      if (!protection.sensitive || protection.extractable) {
        for (const h of findObjects(lib, s, [{ type: pkcs11js.CKA_ID, value: ckaId }])) lib.C_DestroyObject(s, h);
        throw new KmsError('TOKEN_ERROR', `token ${pool.serial} did not make the key sensitive and non-extractable`);
      }
      const ref: Pkcs11KeyRef = { serial: pool.serial, ckaId: ckaId.toString('hex') };
      return publicRaw ? { publicRaw, ref: { ...ref } } : { ref: { ...ref } };
    }, { needsLogin: true });
  }

  /** Adopt an existing key by CKA_ID (hex), or by PIV slot (`9a`, `9c`, ...) on a YubiKey. */
  async adopt(target: string, locator: string): Promise<NewProviderKey & { algorithm: AlgorithmId }> {
    return this.tokens.run(target, 'adopt', (s, pool) => {
      const ckaId = pool.module.profile.pivSlots ? pivCkaId(locator) : checkCkaId(locator.toLowerCase());
      const handle = findKey(pool, s, 'private', ckaId) ?? findKey(pool, s, 'secret', ckaId);
      if (!handle) throw new KmsError('NOT_FOUND', `token ${pool.serial} has no private or secret key with CKA_ID ${ckaId}`);
      const alg = identifyKey(pool.lib, s, handle);
      const ref = { serial: pool.serial, ckaId };
      if (alg.family === 'aes') return { algorithm: alg.id, ref };
      const pub = alg.family === 'rsa' ? handle : findKey(pool, s, 'public', ckaId);
      if (!pub) throw new KmsError('UNSUPPORTED', `token ${pool.serial} has no public key object for CKA_ID ${ckaId}`);
      const publicRaw = readPublicRaw(pool.lib, s, pub, alg);
      return publicRaw ? { algorithm: alg.id, publicRaw, ref } : { algorithm: alg.id, ref };
    }, { needsLogin: true });
  }

  async destroy(key: StoredKeyRef): Promise<void> {
    const { serial, ckaId } = refOf(key);
    await this.tokens.run(serial, 'destroy', (s, pool) => {
      if (pool.module.profile.pivSlots) throw new KmsError('UNSUPPORTED', 'delete PIV keys with ykman; the KMS forgets only its record');
      for (const h of findObjects(pool.lib, s, [{ type: pkcs11js.CKA_ID, value: Buffer.from(ckaId, 'hex') }], 64)) {
        pool.lib.C_DestroyObject(s, h);
      }
      for (const cls of ['private', 'public', 'secret']) pool.handles.delete(`${cls}:${ckaId}`);
    }, { needsLogin: true });
  }

  async sign(key: StoredKeyRef, input: SignInput): Promise<Uint8Array> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'sign');
    const plan = planSign(alg, input, key.publicRaw);
    return this.tokens.run(serial, 'sign', async (s, pool) => {
      pool.lib.C_SignInit(s, plan.mechanism, requireKey(pool, s, 'private', ckaId, alg));
      const out = Buffer.alloc(plan.signatureBytes);
      // A software token signs in microseconds: the thread-pool hop would cost more than it saves.
      if (pool.module.profile.softwareToken) return plan.finish(pool.lib.C_Sign(s, plan.message, out));
      return plan.finish(await pool.lib.C_SignAsync(s, plan.message, out));
    }, { needsLogin: true });
  }

  async verify(key: StoredKeyRef, input: VerifyInput): Promise<boolean> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'verify');
    return this.tokens.run(serial, 'verify', (s, pool) => verifyOn(pool, s, requireKey(pool, s, 'public', ckaId, alg), alg, input));
  }

  /** Verification by the token with a public key that is not stored there (a session object, destroyed after). */
  async verifyWithPublicKey(target: string, algorithm: AlgorithmId, publicRaw: Uint8Array, input: VerifyInput): Promise<boolean> {
    const alg = tokenAlgorithm(algorithm);
    return this.tokens.run(target, 'verify', async (s, pool) => {
      const handle = pool.lib.C_CreateObject(s, publicKeyTemplate(alg, publicRaw));
      try {
        return await verifyOn(pool, s, handle, alg, input);
      } finally {
        pool.lib.C_DestroyObject(s, handle);
      }
    });
  }

  async encrypt(key: StoredKeyRef, input: EncryptInput): Promise<EncryptOutput> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'encrypt');
    const plan = planEncrypt(alg, input, this.oaepHash);
    return this.tokens.run(serial, 'encrypt', async (s, pool) => {
      pool.lib.C_EncryptInit(s, plan.mechanism, requireKey(pool, s, alg.family === 'aes' ? 'secret' : 'public', ckaId, alg));
      // As for signatures: a software token encrypts in microseconds, and its global lock makes a thread-pool call
      // stall the main thread's next C_EncryptInit (measured: AES-GCM through the KMS at 0.2 x SoftHSM2 direct).
      const out = pool.module.profile.softwareToken
        ? pool.lib.C_Encrypt(s, Buffer.from(input.data), Buffer.alloc(plan.outputBytes))
        : await pool.lib.C_EncryptAsync(s, Buffer.from(input.data), Buffer.alloc(plan.outputBytes));
      if (plan.mode !== 'gcm') return { ciphertext: new Uint8Array(out), mode: plan.mode };
      return { ...splitGcm(out), mode: plan.mode, iv: new Uint8Array(plan.iv as Buffer) };
    }, { needsLogin: alg.family === 'aes', mapError: (code) => cipherError(alg, 'encrypt', code) });
  }

  async decrypt(key: StoredKeyRef, input: DecryptInput): Promise<Uint8Array> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'decrypt');
    const { plan, data } = planDecrypt(alg, input, this.oaepHash);
    return this.tokens.run(serial, 'decrypt', async (s, pool) => {
      pool.lib.C_DecryptInit(s, plan.mechanism, requireKey(pool, s, alg.family === 'aes' ? 'secret' : 'private', ckaId, alg));
      if (pool.module.profile.softwareToken) return new Uint8Array(pool.lib.C_Decrypt(s, data, Buffer.alloc(plan.outputBytes)));
      return new Uint8Array(await pool.lib.C_DecryptAsync(s, data, Buffer.alloc(plan.outputBytes)));
    }, { needsLogin: true, mapError: (code) => cipherError(alg, 'decrypt', code) });
  }

  /** ECDH: the raw shared secret (x-coordinate); the caller decides whether to store or return it. */
  async agree(key: StoredKeyRef, peerPublicKey: Uint8Array): Promise<Uint8Array> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'agree');
    const { mechanism, secretBytes } = planEcdh(alg, peerPublicKey);
    const template = [...EXPORTABLE_SECRET, { type: pkcs11js.CKA_VALUE_LEN, value: secretBytes }];
    return this.tokens.run(serial, 'agree', async (s, pool) => {
      const derived = await pool.lib.C_DeriveKeyAsync(s, mechanism, requireKey(pool, s, 'private', ckaId, alg), template);
      return takeValue(pool, s, derived);
    }, { needsLogin: true });
  }

  /** Wrap key material (e.g. a keystore secret) with a token key: AES-KWP or RSA-OAEP. */
  async wrapKey(key: StoredKeyRef, material: Uint8Array): Promise<Uint8Array> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'wrap');
    const mechanism = wrapMechanism(alg, this.oaepHash);
    return this.tokens.run(serial, 'wrap', async (s, pool) => {
      const wrapping = requireKey(pool, s, alg.family === 'aes' ? 'secret' : 'public', ckaId, alg);
      const temp = pool.lib.C_CreateObject(s, [...EXPORTABLE_SECRET, { type: pkcs11js.CKA_VALUE, value: Buffer.from(material) }]);
      try {
        const out = await pool.lib.C_WrapKeyAsync(s, mechanism, wrapping, temp, Buffer.alloc(wrappedBytes(alg, material.length)));
        return new Uint8Array(out);
      } finally {
        pool.lib.C_DestroyObject(s, temp);
      }
    }, { needsLogin: alg.family === 'aes', mapError: (code) => cipherError(alg, 'wrap', code) });
  }

  async unwrapKey(key: StoredKeyRef, wrapped: Uint8Array): Promise<Uint8Array> {
    const { serial, ckaId } = refOf(key);
    const alg = this.algorithmFor(key, 'unwrap');
    const mechanism = wrapMechanism(alg, this.oaepHash);
    return this.tokens.run(serial, 'unwrap', async (s, pool) => {
      const unwrapping = requireKey(pool, s, alg.family === 'aes' ? 'secret' : 'private', ckaId, alg);
      const handle = await pool.lib.C_UnwrapKeyAsync(s, mechanism, unwrapping, Buffer.from(wrapped), EXPORTABLE_SECRET);
      return takeValue(pool, s, handle);
    }, { needsLogin: true, mapError: (code) => cipherError(alg, 'unwrap', code) });
  }

  /** CKA_SENSITIVE / CKA_EXTRACTABLE of the private or secret part, as the token reports them. */
  async protection(key: StoredKeyRef): Promise<KeyProtection> {
    const { serial, ckaId } = refOf(key);
    const alg = tokenAlgorithm(key.algorithm);
    return this.tokens.run(serial, 'read attributes', (s, pool) =>
      readProtection(pool.lib, s, requireKey(pool, s, alg.family === 'aes' ? 'secret' : 'private', ckaId)), { needsLogin: true });
  }

  private algorithmFor(key: StoredKeyRef, op: Operation): TokenAlgorithm {
    const alg = tokenAlgorithm(key.algorithm);
    if (!alg.operations.includes(op)) throw new KmsError('UNSUPPORTED', `${key.algorithm} token keys do not support '${op}'`);
    return alg;
  }

  private requireMechanism(pool: SessionPool, mechanism: number): void {
    pool.mechanisms ??= new Set(pool.lib.C_GetMechanismList(pool.slot));
    if (!pool.mechanisms.has(mechanism)) {
      throw new KmsError('UNSUPPORTED', `token ${pool.serial} does not offer ${mechanismName(mechanism)}`);
    }
  }
}

function checkCkaId(ckaId: string): string {
  if (!CKA_ID_HEX.test(ckaId)) throw new KmsError('INVALID_REQUEST', 'CKA_ID must be hex (1 to 64 bytes)');
  return ckaId;
}

function refOf(key: StoredKeyRef): Pkcs11KeyRef {
  const serial = key.ref?.serial;
  const ckaId = key.ref?.ckaId;
  if (typeof serial !== 'string' || serial === '' || typeof ckaId !== 'string' || !CKA_ID_HEX.test(ckaId)) {
    throw new KmsError('INVALID_REQUEST', `key ${key.id} has no valid PKCS#11 reference`);
  }
  return { serial, ckaId };
}

async function verifyOn(pool: SessionPool, s: Buffer, handle: Buffer, alg: TokenAlgorithm, input: VerifyInput): Promise<boolean> {
  const plan = planVerify(alg, input);
  if (!plan.signature) return false;
  pool.lib.C_VerifyInit(s, plan.mechanism, handle);
  try {
    return await pool.lib.C_VerifyAsync(s, plan.message, plan.signature);
  } catch (e) {
    const code = ckrOf(e);
    if (code === CKR.SIGNATURE_INVALID || code === CKR.SIGNATURE_LEN_RANGE) return false;
    throw e;
  }
}

/** Read and destroy a temporary readable secret object. */
function takeValue(pool: SessionPool, s: Buffer, handle: Buffer): Uint8Array {
  try {
    const [value] = pool.lib.C_GetAttributeValue(s, handle, [{ type: pkcs11js.CKA_VALUE }]);
    return new Uint8Array(value?.value ?? Buffer.alloc(0));
  } finally {
    pool.lib.C_DestroyObject(s, handle);
  }
}

function publicKeyTemplate(alg: TokenAlgorithm, publicRaw: Uint8Array): pkcs11js.Template {
  const common: pkcs11js.Template = [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
    { type: pkcs11js.CKA_TOKEN, value: false },
    { type: pkcs11js.CKA_VERIFY, value: true },
  ];
  if (alg.family === 'rsa') {
    const jwk = createPublicKey({ key: Buffer.from(publicRaw), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    return [
      ...common,
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_RSA },
      { type: pkcs11js.CKA_MODULUS, value: Buffer.from(jwk.n as string, 'base64url') },
      { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from(jwk.e as string, 'base64url') },
    ];
  }
  if (alg.family === 'aes') throw new KmsError('UNSUPPORTED', 'AES keys have no public part');
  if (publicRaw.length !== alg.pointBytes) throw new KmsError('INVALID_REQUEST', `not a ${alg.id} public key`);
  return [
    ...common,
    { type: pkcs11js.CKA_KEY_TYPE, value: alg.family === 'ec' ? pkcs11js.CKK_EC : 0x40 },
    { type: pkcs11js.CKA_EC_PARAMS, value: alg.oid as Buffer },
    { type: pkcs11js.CKA_EC_POINT, value: wrapEcPoint(publicRaw) },
  ];
}
