// KMIP's TTLV encoding (KMIP 1.x/2.x specification, "Message Encoding"): a 3-byte tag, a 1-byte type, a 4-byte
// big-endian length, then the value padded with zeros to a multiple of 8 bytes. One table row per type says how its
// value becomes bytes and back; decoding is strict (exact lengths, zero padding, well-formed UTF-8, bounded depth)
// so that decode(bytes) either fails with a TtlvError or re-encodes to exactly the same bytes.

export type TtlvType =
  | 'Structure'
  | 'Integer'
  | 'LongInteger'
  | 'BigInteger'
  | 'Enumeration'
  | 'Boolean'
  | 'TextString'
  | 'ByteString'
  | 'DateTime'
  | 'Interval'
  | 'DateTimeExtended';

export type TtlvItem =
  | { tag: number; type: 'Structure'; value: TtlvItem[] }
  | { tag: number; type: 'Integer' | 'Enumeration' | 'Interval'; value: number }
  | { tag: number; type: 'LongInteger' | 'BigInteger' | 'DateTime' | 'DateTimeExtended'; value: bigint }
  | { tag: number; type: 'Boolean'; value: boolean }
  | { tag: number; type: 'TextString'; value: string }
  | { tag: number; type: 'ByteString'; value: Uint8Array };

export class TtlvError extends Error {
  override readonly name = 'TtlvError';
}

/** Deepest structure nesting accepted (KMIP messages nest about 8 deep). */
export const MAX_DEPTH = 32;

interface Codec {
  code: number;
  /** The value length a type always has, if fixed. */
  length?: number;
  encode(value: never): Uint8Array;
  decode(bytes: Uint8Array, depth: number): TtlvItem['value'];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function fixed(length: number, write: (dv: DataView) => void): Uint8Array {
  const out = new Uint8Array(length);
  write(view(out));
  return out;
}

function int32(signed: boolean): Omit<Codec, 'code'> {
  const [min, max] = signed ? [-0x80000000, 0x7fffffff] : [0, 0xffffffff];
  return {
    length: 4,
    encode: (v: number) => {
      if (!Number.isInteger(v) || v < min || v > max) throw new TtlvError(`${v} does not fit a ${signed ? 'signed' : 'unsigned'} 32-bit value`);
      return fixed(4, (dv) => (signed ? dv.setInt32(0, v) : dv.setUint32(0, v)));
    },
    decode: (b) => (signed ? view(b).getInt32(0) : view(b).getUint32(0)),
  };
}

const int64: Omit<Codec, 'code'> = {
  length: 8,
  encode: (v: bigint) => {
    if (v < -(1n << 63n) || v >= 1n << 63n) throw new TtlvError('value does not fit a signed 64-bit integer');
    return fixed(8, (dv) => dv.setBigInt64(0, v));
  },
  decode: (b) => view(b).getBigInt64(0),
};

/** Big Integer: two's complement, big-endian, its length a multiple of 8 (sign-extended on the left). */
const bigInteger: Omit<Codec, 'code'> = {
  encode: (v: bigint) => {
    let n = 8;
    while (v < -(1n << BigInt(n * 8 - 1)) || v >= 1n << BigInt(n * 8 - 1)) n += 8;
    const out = new Uint8Array(n);
    let x = BigInt.asUintN(n * 8, v);
    for (let i = n - 1; i >= 0; i--, x >>= 8n) out[i] = Number(x & 0xffn);
    return out;
  },
  decode: (b) => {
    if (b.length === 0 || b.length % 8 !== 0) throw new TtlvError('a Big Integer length must be a positive multiple of 8');
    let x = 0n;
    for (const byte of b) x = (x << 8n) | BigInt(byte);
    const v = BigInt.asIntN(b.length * 8, x);
    // Only the shortest sign extension re-encodes to the same bytes.
    if (b.length > 8 && v >= -(1n << BigInt(b.length * 8 - 65)) && v < 1n << BigInt(b.length * 8 - 65)) {
      throw new TtlvError('a Big Integer has more sign-extension bytes than it needs');
    }
    return v;
  },
};

const CODECS: Record<TtlvType, Codec> = {
  Structure: {
    code: 0x01,
    encode: (v: TtlvItem[]) => concat(v.map(encodeTtlv)),
    decode: (b, depth) => decodeItems(b, depth + 1),
  },
  Integer: { code: 0x02, ...int32(true) },
  LongInteger: { code: 0x03, ...int64 },
  BigInteger: { code: 0x04, ...bigInteger },
  Enumeration: { code: 0x05, ...int32(false) },
  Boolean: {
    code: 0x06,
    length: 8,
    encode: (v: boolean) => fixed(8, (dv) => dv.setBigUint64(0, v ? 1n : 0n)),
    decode: (b) => {
      const v = view(b).getBigUint64(0);
      if (v > 1n) throw new TtlvError('a Boolean is 0 or 1');
      return v === 1n;
    },
  },
  TextString: {
    code: 0x07,
    encode: (v: string) => {
      const bytes = new TextEncoder().encode(v);
      // TextEncoder turns a lone surrogate into U+FFFD: a string that does not survive the trip is not well-formed.
      if (utf8.decode(bytes) !== v) throw new TtlvError('a Text String must be well-formed Unicode');
      return bytes;
    },
    decode: (b) => {
      try {
        return utf8.decode(b);
      } catch {
        throw new TtlvError('a Text String is not valid UTF-8');
      }
    },
  },
  ByteString: { code: 0x08, encode: (v: Uint8Array) => v, decode: (b) => new Uint8Array(b) },
  DateTime: { code: 0x09, ...int64 },
  Interval: { code: 0x0a, ...int32(false) },
  DateTimeExtended: { code: 0x0b, ...int64 },
};

const BY_CODE = new Map<number, TtlvType>(Object.entries(CODECS).map(([name, c]) => [c.code, name as TtlvType]));

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const padded = (n: number): number => Math.ceil(n / 8) * 8;

export function encodeTtlv(item: TtlvItem): Uint8Array {
  const codec = CODECS[item.type];
  if (!codec) throw new TtlvError(`unknown TTLV type ${String(item.type)}`);
  if (!Number.isInteger(item.tag) || item.tag < 0 || item.tag > 0xffffff) throw new TtlvError('a tag is 3 bytes');
  const value = codec.encode(item.value as never);
  const out = new Uint8Array(8 + padded(value.length));
  const dv = view(out);
  dv.setUint32(0, (item.tag << 8) | codec.code);
  dv.setUint32(4, value.length);
  out.set(value, 8);
  return out;
}

/** Total bytes of the item whose 8-byte header starts `header` (for reading one message off a stream). */
export function ttlvFrameLength(header: Uint8Array): number {
  if (header.length < 8) throw new TtlvError('a TTLV header is 8 bytes');
  return 8 + padded(view(header).getUint32(4));
}

function decodeOne(bytes: Uint8Array, offset: number, depth: number): { item: TtlvItem; next: number } {
  if (depth > MAX_DEPTH) throw new TtlvError('structures nest too deep');
  if (bytes.length - offset < 8) throw new TtlvError('truncated TTLV header');
  const dv = view(bytes);
  const tag = dv.getUint32(offset) >>> 8;
  const typeName = BY_CODE.get(bytes[offset + 3]!);
  if (!typeName) throw new TtlvError(`unknown TTLV type 0x${bytes[offset + 3]!.toString(16)}`);
  const codec = CODECS[typeName];
  const length = dv.getUint32(offset + 4);
  if (codec.length !== undefined && length !== codec.length) throw new TtlvError(`a ${typeName} has length ${codec.length}, not ${length}`);
  const start = offset + 8;
  const end = start + padded(length);
  if (end > bytes.length) throw new TtlvError('truncated TTLV value');
  for (let i = start + length; i < end; i++) if (bytes[i] !== 0) throw new TtlvError('non-zero padding');
  const value = codec.decode(bytes.subarray(start, start + length), depth);
  return { item: { tag, type: typeName, value } as TtlvItem, next: end };
}

function decodeItems(bytes: Uint8Array, depth: number): TtlvItem[] {
  const items: TtlvItem[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const { item, next } = decodeOne(bytes, offset, depth);
    items.push(item);
    offset = next;
  }
  return items;
}

/** Decode exactly one item that fills `bytes`; anything else is a TtlvError. */
export function decodeTtlv(bytes: Uint8Array): TtlvItem {
  const { item, next } = decodeOne(bytes, 0, 0);
  if (next !== bytes.length) throw new TtlvError('bytes after the TTLV item');
  return item;
}
