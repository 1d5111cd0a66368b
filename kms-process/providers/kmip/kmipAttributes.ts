// Object attributes in the two KMIP encodings: 1.x wraps each in an Attribute structure (name as text, value under
// the Attribute Value tag) inside a Template-Attribute; 2.x sends each under its own tag inside an Attributes
// structure, and names attributes by tag (Attribute Reference) when asking for them.
import type { TtlvItem } from './ttlv.js';
import { all, enumeration, int, optional, struct, text } from './ttlvItems.js';
import { atLeast, type ProtocolVersion } from './kmipMessages.js';
import { TAG } from './kmipTags.js';

/** The attributes this client sets or reads, by their KMIP 1.x names. */
const ATTRIBUTES = {
  'Cryptographic Algorithm': { tag: TAG.CryptographicAlgorithm, type: 'Enumeration' },
  'Cryptographic Length': { tag: TAG.CryptographicLength, type: 'Integer' },
  'Cryptographic Usage Mask': { tag: TAG.CryptographicUsageMask, type: 'Integer' },
  'Object Type': { tag: TAG.ObjectType, type: 'Enumeration' },
  State: { tag: TAG.State, type: 'Enumeration' },
  Name: { tag: TAG.Name, type: 'Name' },
} as const;
export type AttributeName = keyof typeof ATTRIBUTES;
export type AttributeValues = Partial<Record<AttributeName, number | string>>;

/** Where the attributes go: a plain object, or one half of a key pair. */
export type AttributeRole = 'object' | 'common' | 'private' | 'public';

const CONTAINER_V1: Record<AttributeRole, number> = {
  object: TAG.TemplateAttribute,
  common: 0x42001f, // Common Template-Attribute
  private: TAG.PrivateKeyTemplateAttribute,
  public: TAG.PublicKeyTemplateAttribute,
};
const CONTAINER_V2: Record<AttributeRole, number> = {
  object: TAG.Attributes,
  common: TAG.CommonAttributes,
  private: TAG.PrivateKeyAttributes,
  public: TAG.PublicKeyAttributes,
};

function valueItem(name: AttributeName, tag: number, value: number | string): TtlvItem {
  const spec = ATTRIBUTES[name];
  if (spec.type === 'Name') {
    // Name: Name Value (text) and Name Type 1 = Uninterpreted Text String.
    return struct(tag, [text(TAG.NameValue, String(value)), enumeration(TAG.NameType, 1)]);
  }
  return spec.type === 'Enumeration' ? enumeration(tag, Number(value)) : int(tag, Number(value));
}

export function encodeAttributes(version: ProtocolVersion, role: AttributeRole, values: AttributeValues): TtlvItem {
  const entries = Object.entries(values).filter(([, v]) => v !== undefined) as Array<[AttributeName, number | string]>;
  if (atLeast(version, 2, 0)) {
    return struct(CONTAINER_V2[role], entries.map(([name, v]) => valueItem(name, ATTRIBUTES[name].tag, v)));
  }
  return struct(
    CONTAINER_V1[role],
    entries.map(([name, v]) => struct(TAG.Attribute, [text(TAG.AttributeName, name), valueItem(name, TAG.AttributeValue, v)])),
  );
}

/** The request items that name the attributes to return (GetAttributes). */
export function attributeSelectors(version: ProtocolVersion, names: readonly AttributeName[]): TtlvItem[] {
  return names.map((n) => (atLeast(version, 2, 0) ? enumeration(TAG.AttributeReference, ATTRIBUTES[n].tag) : text(TAG.AttributeName, n)));
}

function readValue(name: AttributeName, item: TtlvItem): number | string | undefined {
  const spec = ATTRIBUTES[name];
  if (spec.type === 'Name') return item.type === 'Structure' ? optional(item, TAG.NameValue, 'TextString') : undefined;
  return item.type === spec.type ? (item.value as number) : undefined;
}

/** The attributes of a GetAttributes response payload, in either encoding; unknown ones are skipped. */
export function decodeAttributes(payload: TtlvItem): AttributeValues {
  const out: AttributeValues = {};
  for (const a of all(payload, TAG.Attribute)) {
    const name = optional(a, TAG.AttributeName, 'TextString');
    const value = a.type === 'Structure' ? a.value.find((c) => c.tag === TAG.AttributeValue) : undefined;
    if (name && name in ATTRIBUTES && value) out[name as AttributeName] ??= readValue(name as AttributeName, value);
  }
  for (const container of all(payload, TAG.Attributes)) {
    if (container.type !== 'Structure') continue;
    for (const [name, spec] of Object.entries(ATTRIBUTES) as Array<[AttributeName, (typeof ATTRIBUTES)[AttributeName]]>) {
      const item = container.value.find((c) => c.tag === spec.tag);
      if (item) out[name] ??= readValue(name, item);
    }
  }
  return out;
}
