// Short builders for TTLV items and typed readers of decoded structures; a missing or mistyped field in a server's
// answer is a TtlvError, which the client reports as REMOTE_ERROR.
import { TtlvError, type TtlvItem, type TtlvType } from './ttlv.js';

export const struct = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: 'Structure', value });
export const int = (tag: number, value: number): TtlvItem => ({ tag, type: 'Integer', value });
export const enumeration = (tag: number, value: number): TtlvItem => ({ tag, type: 'Enumeration', value });
export const text = (tag: number, value: string): TtlvItem => ({ tag, type: 'TextString', value });
export const bytes = (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: 'ByteString', value });
export const bool = (tag: number, value: boolean): TtlvItem => ({ tag, type: 'Boolean', value });
export const dateTime = (tag: number, seconds: bigint): TtlvItem => ({ tag, type: 'DateTime', value: seconds });

interface ValueMap {
  Structure: TtlvItem[];
  Integer: number;
  Enumeration: number;
  Interval: number;
  LongInteger: bigint;
  BigInteger: bigint;
  DateTime: bigint;
  DateTimeExtended: bigint;
  Boolean: boolean;
  TextString: string;
  ByteString: Uint8Array;
}
type ValueOf<T extends TtlvType> = ValueMap[T];

function children(s: TtlvItem): TtlvItem[] {
  if (s.type !== 'Structure') throw new TtlvError(`tag 0x${s.tag.toString(16)} is not a structure`);
  return s.value;
}

/** The first child with `tag`, if any, checked to be of `type`. */
export function optional<T extends TtlvType>(s: TtlvItem, tag: number, type: T): ValueOf<T> | undefined {
  const found = children(s).find((c) => c.tag === tag);
  if (!found) return undefined;
  if (found.type !== type) throw new TtlvError(`tag 0x${tag.toString(16)} is a ${found.type}, expected ${type}`);
  return found.value as ValueOf<T>;
}

export function required<T extends TtlvType>(s: TtlvItem, tag: number, type: T): ValueOf<T> {
  const v = optional(s, tag, type);
  if (v === undefined) throw new TtlvError(`missing tag 0x${tag.toString(16)}`);
  return v;
}

/** The child structure with `tag`, as an item (for further reads). */
export function child(s: TtlvItem, tag: number): TtlvItem | undefined {
  const found = children(s).find((c) => c.tag === tag);
  if (found && found.type !== 'Structure') throw new TtlvError(`tag 0x${tag.toString(16)} is not a structure`);
  return found;
}

export function all(s: TtlvItem, tag: number): TtlvItem[] {
  return children(s).filter((c) => c.tag === tag);
}
