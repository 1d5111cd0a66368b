// A KMIP client: version negotiation (Discover Versions) and the operations a wallet needs, one request per call
// over a small connection pool. Errors stay KMIP's own (KmipServerError with the Result Reason and Message,
// KmipTransportError, TtlvError for a malformed answer); the provider turns them into REMOTE_ERROR.
import type { TtlvItem } from './ttlv.js';
import { all, bytes, child, enumeration, int, optional, required, struct, text } from './ttlvItems.js';
import { atLeast, decodeResponse, encodeRequest, readVersion, versionItem, type ProtocolVersion } from './kmipMessages.js';
import { attributeSelectors, decodeAttributes, encodeAttributes, type AttributeName, type AttributeValues } from './kmipAttributes.js';
import { KmipPool, DEFAULT_LIMITS, type PoolLimits } from './kmipPool.js';
import type { KmipEndpoint } from './kmipConnection.js';
import { KEY_FORMAT_TYPE, OBJECT_TYPE, TAG, VALIDITY, type KmipOperation } from './kmipTags.js';

/** What this client speaks, best first. */
export const CLIENT_VERSIONS: readonly ProtocolVersion[] = [
  { major: 2, minor: 0 },
  { major: 1, minor: 4 },
  { major: 1, minor: 3 },
  { major: 1, minor: 2 },
  { major: 1, minor: 1 },
  { major: 1, minor: 0 },
];

/** Operations that change nothing on the server (or do the same thing twice): safe to retry once. */
const IDEMPOTENT: ReadonlySet<KmipOperation> = new Set<KmipOperation>([
  'DiscoverVersions', 'Query', 'Get', 'GetAttributes', 'Locate', 'Activate', 'Encrypt', 'Decrypt', 'Sign', 'SignatureVerify', 'Mac',
]);

export interface CryptoParams {
  blockCipherMode?: number;
  paddingMethod?: number;
  hashingAlgorithm?: number;
  cryptographicAlgorithm?: number;
  tagLength?: number;
}

export interface KeyObject {
  objectType: number;
  keyFormatType: number;
  /** Key material as bytes, or the structure of a transparent format. */
  material: Uint8Array | TtlvItem;
}

export class KmipClient {
  private readonly pool: KmipPool;
  private negotiated: Promise<ProtocolVersion> | undefined;

  constructor(
    endpoint: KmipEndpoint,
    private readonly options: { maxVersion?: ProtocolVersion | undefined; limits?: PoolLimits | undefined } = {},
  ) {
    this.pool = new KmipPool(endpoint, options.limits ?? DEFAULT_LIMITS);
  }

  private async call(op: KmipOperation, payload: TtlvItem[], version?: ProtocolVersion): Promise<TtlvItem> {
    const v = version ?? (await this.version());
    const answer = await this.pool.exchange(encodeRequest(v, op, payload), IDEMPOTENT.has(op));
    return decodeResponse(answer, op).payload;
  }

  /** The versions the server offers from `offer` (all it speaks when `offer` is empty), best first. */
  async discoverVersions(offer: readonly ProtocolVersion[] = []): Promise<ProtocolVersion[]> {
    const payload = await this.call('DiscoverVersions', offer.map(versionItem), { major: 1, minor: 1 });
    return all(payload, TAG.ProtocolVersion).map(readVersion);
  }

  /** The protocol version of every later request: the best both sides speak, at most `maxVersion`. */
  version(): Promise<ProtocolVersion> {
    this.negotiated ??= (async () => {
      const max = this.options.maxVersion;
      const offer = CLIENT_VERSIONS.filter((v) => !max || atLeast(max, v.major, v.minor));
      const common = await this.discoverVersions(offer);
      return common.find((v) => offer.some((o) => o.major === v.major && o.minor === v.minor)) ?? { major: 1, minor: 0 };
    })();
    // A failed negotiation (server down) is tried again on the next call.
    this.negotiated.catch(() => (this.negotiated = undefined));
    return this.negotiated;
  }

  async query(functions: number[]): Promise<{ operations: number[]; objectTypes: number[]; vendor?: string | undefined }> {
    const p = await this.call('Query', functions.map((f) => enumeration(TAG.QueryFunction, f)));
    return {
      operations: all(p, TAG.Operation).map((i) => i.value as number),
      objectTypes: all(p, TAG.ObjectType).map((i) => i.value as number),
      vendor: optional(p, TAG.VendorIdentification, 'TextString'),
    };
  }

  async create(attributes: AttributeValues): Promise<string> {
    const v = await this.version();
    const p = await this.call('Create', [enumeration(TAG.ObjectType, OBJECT_TYPE.SymmetricKey), encodeAttributes(v, 'object', attributes)]);
    return required(p, TAG.UniqueIdentifier, 'TextString');
  }

  async createKeyPair(common: AttributeValues, privateAttrs: AttributeValues, publicAttrs: AttributeValues): Promise<{ privateUid: string; publicUid: string }> {
    const v = await this.version();
    const p = await this.call('CreateKeyPair', [
      encodeAttributes(v, 'common', common),
      encodeAttributes(v, 'private', privateAttrs),
      encodeAttributes(v, 'public', publicAttrs),
    ]);
    return {
      privateUid: required(p, TAG.PrivateKeyUniqueIdentifier, 'TextString'),
      publicUid: required(p, TAG.PublicKeyUniqueIdentifier, 'TextString'),
    };
  }

  /** Register a symmetric key given as raw bytes (the KMS zeroizes its copy). */
  async registerSymmetric(attributes: AttributeValues, algorithm: number, material: Uint8Array): Promise<string> {
    const v = await this.version();
    const keyBlock = struct(TAG.KeyBlock, [
      enumeration(TAG.KeyFormatType, KEY_FORMAT_TYPE.Raw),
      struct(TAG.KeyValue, [bytes(TAG.KeyMaterial, material)]),
      enumeration(TAG.CryptographicAlgorithm, algorithm),
      int(TAG.CryptographicLength, material.length * 8),
    ]);
    const p = await this.call('Register', [
      enumeration(TAG.ObjectType, OBJECT_TYPE.SymmetricKey),
      encodeAttributes(v, 'object', attributes),
      struct(TAG.SymmetricKey, [keyBlock]),
    ]);
    return required(p, TAG.UniqueIdentifier, 'TextString');
  }

  async activate(uid: string): Promise<void> {
    await this.call('Activate', [text(TAG.UniqueIdentifier, uid)]);
  }

  async get(uid: string, keyFormatType?: number): Promise<KeyObject> {
    const p = await this.call('Get', [text(TAG.UniqueIdentifier, uid), ...(keyFormatType ? [enumeration(TAG.KeyFormatType, keyFormatType)] : [])]);
    const objectType = required(p, TAG.ObjectType, 'Enumeration');
    const obj = p.type === 'Structure' ? p.value.find((c) => c.type === 'Structure') : undefined;
    const block = obj ? child(obj, TAG.KeyBlock) : undefined;
    const value = block ? child(block, TAG.KeyValue) : undefined;
    const material = value?.type === 'Structure' ? value.value.find((c) => c.tag === TAG.KeyMaterial) : undefined;
    if (!block || !material) throw new KmipShapeError('Get returned no key material');
    return {
      objectType,
      keyFormatType: required(block, TAG.KeyFormatType, 'Enumeration'),
      material: material.type === 'ByteString' ? material.value : material,
    };
  }

  async locate(attributes: AttributeValues, maxItems = 16): Promise<string[]> {
    const v = await this.version();
    const attrs = encodeAttributes(v, 'object', attributes);
    // 1.x lists the Attribute structures directly in the payload; 2.x wraps them in Attributes.
    const items = atLeast(v, 2, 0) ? [attrs] : (attrs.value as TtlvItem[]);
    const p = await this.call('Locate', [int(TAG.MaximumItems, maxItems), ...items]);
    return all(p, TAG.UniqueIdentifier).map((i) => i.value as string);
  }

  async getAttributes(uid: string, names: readonly AttributeName[]): Promise<AttributeValues> {
    const v = await this.version();
    return decodeAttributes(await this.call('GetAttributes', [text(TAG.UniqueIdentifier, uid), ...attributeSelectors(v, names)]));
  }

  async encrypt(uid: string, params: CryptoParams, data: Uint8Array, iv?: Uint8Array, aad?: Uint8Array): Promise<{ data: Uint8Array; iv?: Uint8Array | undefined; tag?: Uint8Array | undefined }> {
    const p = await this.call('Encrypt', [
      text(TAG.UniqueIdentifier, uid),
      await this.cryptoParams(params),
      bytes(TAG.Data, data),
      ...(iv ? [bytes(TAG.IvCounterNonce, iv)] : []),
      ...(aad ? [bytes(TAG.AuthenticatedEncryptionAdditionalData, aad)] : []),
    ]);
    return {
      data: required(p, TAG.Data, 'ByteString'),
      iv: optional(p, TAG.IvCounterNonce, 'ByteString'),
      tag: optional(p, TAG.AuthenticatedEncryptionTag, 'ByteString'),
    };
  }

  async decrypt(uid: string, params: CryptoParams, data: Uint8Array, iv?: Uint8Array, tag?: Uint8Array, aad?: Uint8Array): Promise<Uint8Array> {
    const p = await this.call('Decrypt', [
      text(TAG.UniqueIdentifier, uid),
      await this.cryptoParams(params),
      bytes(TAG.Data, data),
      ...(iv ? [bytes(TAG.IvCounterNonce, iv)] : []),
      ...(aad ? [bytes(TAG.AuthenticatedEncryptionAdditionalData, aad)] : []),
      ...(tag ? [bytes(TAG.AuthenticatedEncryptionTag, tag)] : []),
    ]);
    return required(p, TAG.Data, 'ByteString');
  }

  async sign(uid: string, params: CryptoParams, data: Uint8Array): Promise<Uint8Array> {
    const p = await this.call('Sign', [text(TAG.UniqueIdentifier, uid), await this.cryptoParams(params), bytes(TAG.Data, data)]);
    return required(p, TAG.SignatureData, 'ByteString');
  }

  async signatureVerify(uid: string, params: CryptoParams, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const p = await this.call('SignatureVerify', [
      text(TAG.UniqueIdentifier, uid),
      await this.cryptoParams(params),
      bytes(TAG.Data, data),
      bytes(TAG.SignatureData, signature),
    ]);
    const v = required(p, TAG.ValidityIndicator, 'Enumeration');
    if (v === VALIDITY.Unknown) throw new KmipShapeError('the server could not tell whether the signature is valid');
    return v === VALIDITY.Valid;
  }

  async mac(uid: string, params: CryptoParams, data: Uint8Array): Promise<Uint8Array> {
    const p = await this.call('Mac', [text(TAG.UniqueIdentifier, uid), await this.cryptoParams(params), bytes(TAG.Data, data)]);
    return required(p, TAG.MacData, 'ByteString');
  }

  async revoke(uid: string, reasonCode: number, message?: string): Promise<void> {
    const reason = struct(TAG.RevocationReason, [enumeration(TAG.RevocationReasonCode, reasonCode), ...(message ? [text(TAG.RevocationMessage, message)] : [])]);
    await this.call('Revoke', [text(TAG.UniqueIdentifier, uid), reason]);
  }

  async destroy(uid: string): Promise<void> {
    await this.call('Destroy', [text(TAG.UniqueIdentifier, uid)]);
  }

  private async cryptoParams(c: CryptoParams): Promise<TtlvItem> {
    const v = await this.version();
    const items: TtlvItem[] = [];
    if (c.blockCipherMode !== undefined) items.push(enumeration(TAG.BlockCipherMode, c.blockCipherMode));
    if (c.paddingMethod !== undefined) items.push(enumeration(TAG.PaddingMethod, c.paddingMethod));
    if (c.hashingAlgorithm !== undefined) items.push(enumeration(TAG.HashingAlgorithm, c.hashingAlgorithm));
    if (c.cryptographicAlgorithm !== undefined) items.push(enumeration(TAG.CryptographicAlgorithm, c.cryptographicAlgorithm));
    if (c.tagLength !== undefined) {
      // Authenticated encryption (Tag Length, AAD, the tag) came with KMIP 1.4.
      if (!atLeast(v, 1, 4)) throw new KmipUnsupportedError(`authenticated encryption needs KMIP 1.4; this server speaks ${v.major}.${v.minor}`);
      items.push(int(TAG.TagLength, c.tagLength));
    }
    // No Salt Length (KMIP 1.4): PyKMIP 0.10 refuses a request that carries it, and signs PSS with the largest salt.
    return struct(TAG.CryptographicParameters, items);
  }

  close(): void {
    this.pool.close();
  }
}

/** What the negotiated protocol version cannot express. */
export class KmipUnsupportedError extends Error {
  override readonly name = 'KmipUnsupportedError';
}

/** A well-formed answer that lacks what the operation needs. */
export class KmipShapeError extends Error {
  override readonly name = 'KmipShapeError';
}

