// The TTLV codec against the byte examples of the KMIP specification and test cases, and fuzzed: arbitrary bytes
// never crash it (a TtlvError or an item), anything it decodes re-encodes to the same bytes, and every item it
// encodes decodes back to itself.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeTtlv, encodeTtlv, MAX_DEPTH, TtlvError, ttlvFrameLength, type TtlvItem } from '../../../../kms-process/providers/kmip/ttlv.js';
import { decodeResponse, encodeRequest, KmipServerError, readVersion } from '../../../../kms-process/providers/kmip/kmipMessages.js';
import { attributeSelectors, decodeAttributes, encodeAttributes } from '../../../../kms-process/providers/kmip/kmipAttributes.js';
import { all, enumeration, int, required, struct, text } from '../../../../kms-process/providers/kmip/ttlvItems.js';
import { TAG } from '../../../../kms-process/providers/kmip/kmipTags.js';
import {
  CREATE_AES_REQUEST,
  CREATE_AES_RESPONSE,
  DISCOVER_VERSIONS_1_0_REQUEST,
  DISCOVER_VERSIONS_REQUEST,
  DISCOVER_VERSIONS_RESPONSE,
  hex,
  SPEC_EXAMPLES,
} from '../../../vectors/kmip/kmipVectors.js';

const T = 0x420020;

describe('KMIP specification 9.1.2 examples', () => {
  const cases: Array<[keyof typeof SPEC_EXAMPLES, TtlvItem]> = [
    ['integer8', { tag: T, type: 'Integer', value: 8 }],
    ['longInteger123456789000000000', { tag: T, type: 'LongInteger', value: 123456789000000000n }],
    ['bigInteger1234567890000000000000000000', { tag: T, type: 'BigInteger', value: 1234567890000000000000000000n }],
    ['enumeration255', { tag: T, type: 'Enumeration', value: 255 }],
    ['booleanTrue', { tag: T, type: 'Boolean', value: true }],
    ['textHelloWorld', { tag: T, type: 'TextString', value: 'Hello World' }],
    ['bytes010203', { tag: T, type: 'ByteString', value: new Uint8Array([1, 2, 3]) }],
    ['dateTime20080314T115640Z', { tag: T, type: 'DateTime', value: BigInt(Date.UTC(2008, 2, 14, 11, 56, 40) / 1000) }],
    ['interval10Days', { tag: T, type: 'Interval', value: 10 * 86400 }],
    ['structure', struct(T, [enumeration(0x420004, 254), int(0x420005, 255)])],
  ];
  for (const [name, item] of cases) {
    it(`${name}: encodes to the spec's bytes and decodes back`, () => {
      expect(Buffer.from(encodeTtlv(item)).toString('hex')).toBe(Buffer.from(hex(SPEC_EXAMPLES[name])).toString('hex'));
      expect(decodeTtlv(hex(SPEC_EXAMPLES[name]))).toEqual(item);
    });
  }
});

describe('KMIP test cases: whole messages', () => {
  it('Test Cases 1.1 16.1: Discover Versions requests are byte for byte what the document shows', () => {
    expect(Buffer.from(encodeRequest({ major: 1, minor: 1 }, 'DiscoverVersions', [])).toString('hex')).toBe(DISCOVER_VERSIONS_REQUEST.toLowerCase());
    const offer = [struct(TAG.ProtocolVersion, [int(TAG.ProtocolVersionMajor, 1), int(TAG.ProtocolVersionMinor, 0)])];
    expect(Buffer.from(encodeRequest({ major: 1, minor: 1 }, 'DiscoverVersions', offer)).toString('hex')).toBe(DISCOVER_VERSIONS_1_0_REQUEST.toLowerCase());
  });

  it('Test Cases 1.1 16.1: the Discover Versions response lists 1.1 then 1.0', () => {
    const r = decodeResponse(hex(DISCOVER_VERSIONS_RESPONSE), 'DiscoverVersions');
    expect(r.version).toEqual({ major: 1, minor: 1 });
    expect(all(r.payload, TAG.ProtocolVersion).map(readVersion)).toEqual([{ major: 1, minor: 1 }, { major: 1, minor: 0 }]);
  });

  it('Use case 3.1.2: the Create (AES-128) request, with its attributes in the 1.x encoding', () => {
    const attrs = encodeAttributes({ major: 1, minor: 1 }, 'object', {
      'Cryptographic Algorithm': 3,
      'Cryptographic Length': 128,
      'Cryptographic Usage Mask': 12,
      Name: 'Key1',
    });
    // The document's template also names "Template1" before the attributes.
    const template = struct(TAG.Name, [text(TAG.NameValue, 'Template1'), enumeration(TAG.NameType, 1)]);
    const withTemplate = { ...attrs, value: [template, ...(attrs.value as TtlvItem[])] } as TtlvItem;
    const bytes = encodeRequest({ major: 1, minor: 1 }, 'Create', [enumeration(TAG.ObjectType, 2), withTemplate]);
    expect(Buffer.from(bytes).toString('hex')).toBe(CREATE_AES_REQUEST.toLowerCase());
    expect(Buffer.from(encodeTtlv(decodeTtlv(bytes))).toString('hex')).toBe(CREATE_AES_REQUEST.toLowerCase());
  });

  it('Use case 3.1.2: the Create response gives the object type and unique identifier', () => {
    const r = decodeResponse(hex(CREATE_AES_RESPONSE), 'Create');
    expect(r.version).toEqual({ major: 1, minor: 0 });
    expect(required(r.payload, TAG.ObjectType, 'Enumeration')).toBe(2);
    expect(required(r.payload, TAG.UniqueIdentifier, 'TextString')).toBe('61b10614-d8b5-46f9-8d17-2fa6ea1d747a');
    // The same bytes are not an answer to another operation.
    expect(() => decodeResponse(hex(CREATE_AES_RESPONSE), 'Get')).toThrow(TtlvError);
  });

  it('a failed batch item carries the Result Reason and Result Message', () => {
    const failed = encodeTtlv(
      struct(TAG.ResponseMessage, [
        struct(TAG.ResponseHeader, [struct(TAG.ProtocolVersion, [int(TAG.ProtocolVersionMajor, 1), int(TAG.ProtocolVersionMinor, 4)]), int(TAG.BatchCount, 1)]),
        struct(TAG.BatchItem, [
          enumeration(TAG.Operation, 0x21),
          enumeration(TAG.ResultStatus, 1),
          enumeration(TAG.ResultReason, 0x0c),
          text(TAG.ResultMessage, 'The key must be\nActive'),
        ]),
      ]),
    );
    const e = (() => {
      try {
        decodeResponse(failed, 'Sign');
      } catch (err) {
        return err;
      }
    })() as KmipServerError;
    expect(e).toBeInstanceOf(KmipServerError);
    expect(e.reason).toBe(0x0c);
    expect(e.message).toBe('Sign failed: Permission Denied: The key must be Active');
  });

  it('attributes round trip in both encodings, and 2.x names them by tag', () => {
    for (const version of [{ major: 1, minor: 4 }, { major: 2, minor: 0 }]) {
      const enc = encodeAttributes(version, 'object', { 'Cryptographic Algorithm': 4, 'Cryptographic Length': 2048, State: 2, Name: 'k' });
      const payload = struct(TAG.ResponsePayload, version.major === 2 ? [enc] : (enc.value as TtlvItem[]));
      expect(decodeAttributes(payload)).toEqual({ 'Cryptographic Algorithm': 4, 'Cryptographic Length': 2048, State: 2, Name: 'k' });
    }
    expect(attributeSelectors({ major: 2, minor: 0 }, ['State'])).toEqual([enumeration(TAG.AttributeReference, TAG.State)]);
    expect(attributeSelectors({ major: 1, minor: 2 }, ['State'])).toEqual([text(TAG.AttributeName, 'State')]);
  });
});

describe('strict decoding', () => {
  const bad: Array<[string, string]> = [
    ['truncated header', '4200200200'],
    ['unknown type', '42002000000000000000000000000000'],
    ['Integer of length 8', '42002002000000080000000800000000'],
    ['non-zero padding', '42002002000000040000000800000001'],
    ['Boolean 2', '42002006000000080000000000000002'],
    ['invalid UTF-8', '4200200700000002C328000000000000'],
    ['value past the end', '420020080000001001'],
    ['bytes after the item', '4200200200000004000000080000000000'],
    ['Big Integer of length 4', '4200200400000004000000080000000'.padEnd(32, '0')],
    ['over-long Big Integer', '42002004000000100000000000000000000000000000000'.padEnd(48, '0')],
  ];
  for (const [name, h] of bad) {
    it(`rejects ${name}`, () => expect(() => decodeTtlv(hex(h))).toThrow(TtlvError));
  }

  it(`rejects nesting deeper than ${MAX_DEPTH}`, () => {
    let item: TtlvItem = int(T, 1);
    for (let i = 0; i <= MAX_DEPTH; i++) item = struct(T, [item]);
    expect(() => decodeTtlv(encodeTtlv(item))).toThrow(/nest too deep/);
  });

  it('refuses to encode what it could not decode', () => {
    expect(() => encodeTtlv(text(T, '\ud800'))).toThrow(TtlvError);
    expect(() => encodeTtlv(int(T, 2 ** 31))).toThrow(TtlvError);
    expect(() => encodeTtlv({ tag: 0x1000000, type: 'Integer', value: 1 })).toThrow(TtlvError);
  });

  it('frame length from a header', () => {
    expect(ttlvFrameLength(hex('420078010000006000'))).toBe(0x68);
    expect(ttlvFrameLength(hex('4200200700000003'))).toBe(16);
  });
});

// ------------------------------------------------------------------------------------------------------------
// Properties

const tagArb = fc.integer({ min: 0, max: 0xffffff });
const leaf: fc.Arbitrary<TtlvItem> = fc.oneof(
  fc.record({ tag: tagArb, type: fc.constant('Integer' as const), value: fc.integer() }),
  fc.record({ tag: tagArb, type: fc.constant('Enumeration' as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ tag: tagArb, type: fc.constant('Interval' as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ tag: tagArb, type: fc.constant('LongInteger' as const), value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }),
  fc.record({ tag: tagArb, type: fc.constant('DateTime' as const), value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }),
  fc.record({ tag: tagArb, type: fc.constant('DateTimeExtended' as const), value: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) }),
  fc.record({ tag: tagArb, type: fc.constant('BigInteger' as const), value: fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }) }),
  fc.record({ tag: tagArb, type: fc.constant('Boolean' as const), value: fc.boolean() }),
  fc.record({ tag: tagArb, type: fc.constant('TextString' as const), value: fc.string({ unit: 'grapheme', maxLength: 40 }) }),
  fc.record({ tag: tagArb, type: fc.constant('ByteString' as const), value: fc.uint8Array({ maxLength: 40 }) }),
);
const { item: itemArb } = fc.letrec<{ item: TtlvItem }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ tag: tagArb, type: fc.constant('Structure' as const), value: fc.array(tie('item'), { maxLength: 5 }) }),
  ),
}));

describe('properties', () => {
  it('every item encodes and decodes back to itself', () => {
    fc.assert(
      fc.property(itemArb, (item) => {
        const bytes = encodeTtlv(item);
        expect(bytes.length % 8).toBe(0);
        expect(ttlvFrameLength(bytes)).toBe(bytes.length);
        expect(decodeTtlv(bytes)).toEqual(item);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes: a TtlvError or an item that re-encodes to the same bytes, never anything else', () => {
    const check = (bytes: Uint8Array) => {
      let item: TtlvItem;
      try {
        item = decodeTtlv(bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(TtlvError);
        return;
      }
      expect(Buffer.from(encodeTtlv(item)).equals(Buffer.from(bytes))).toBe(true);
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 3000 });
    // Mutations of valid encodings reach far deeper than random bytes do.
    fc.assert(
      fc.property(itemArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (item, flips) => {
        const bytes = encodeTtlv(item);
        for (const [at, v] of flips) bytes[at % bytes.length] = v;
        check(bytes);
        check(bytes.subarray(0, bytes.length - 8));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary bytes as a response: a TtlvError, a KmipServerError or a response, never anything else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          decodeResponse(bytes, 'Get');
        } catch (e) {
          expect(e instanceof TtlvError || e instanceof KmipServerError).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
