// The protocol contract against good and bad messages: the JSON-RPC envelope (parseRequestText, checkRequest) and
// every method's params schema (strict objects, types, size limits, base64url), without a running KMS.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  checkRequest,
  depthWithin,
  fromB64u,
  isB64u,
  isMethodName,
  isResponse,
  MAX_DATA_BYTES,
  MAX_JSON_DEPTH,
  MAX_KEY_STRING,
  MAX_MESSAGE_BYTES,
  MAX_PAGE,
  MAX_RANDOM_BYTES,
  MAX_SECRET_STRING,
  MAX_SHORT_STRING,
  MESSAGE_TOO_LARGE,
  METHOD_NAMES,
  METHODS,
  parseRequestText,
  toB64u,
  type RpcRequest,
  type RpcResponse,
} from '../../../kms-process/api/index.js';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
const DATA = Buffer.from('hello').toString('base64url');
const ED_X = '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo'; // RFC 8037 appendix A.2

/** One valid params object per method (more than one where the method has variants). */
const VALID: Record<string, unknown[]> = {
  'kms.status': [{}],
  'kms.init': [{ sealers: [{ kind: 'passphrase', passphrase: 'correct horse' }], unlockPolicy: 'any' }],
  'kms.unlock': [{ passphrase: 'correct horse' }, { pin: '123456' }, {}],
  'kms.lock': [{}],
  'keys.generate': [
    { algorithm: 'ed25519' },
    { algorithm: 'p256', label: 'a label', provider: 'software', purposes: ['sign'], exportable: false, requiresApproval: true, callers: ['ui'] },
  ],
  'keys.import': [
    { format: 'jwk', data: { kty: 'OKP', crv: 'Ed25519', x: ED_X } },
    { format: 'raw', data: 'AAAA', algorithm: 'aes-256', label: 'k' },
    { format: 'mnemonic', data: 'abandon abandon about' },
  ],
  'keys.list': [{}, { cursor: '10', limit: 5 }],
  'keys.get': [{ id: ID }],
  'keys.delete': [{ id: ID }],
  'keys.update': [{ id: ID, label: 'new', policy: { purposes: ['sign'], exportable: false } }],
  'keys.export': [{ id: ID, format: 'jwk' }, { id: ID, format: 'pkcs8', private: true }],
  'crypto.sign': [{ id: ID, data: DATA }, { id: ID, data: DATA, scheme: 'ecdsa', hash: 'sha256', prehashed: false, format: 'der' }],
  'crypto.verify': [{ id: ID, data: DATA, signature: 'AAAA' }],
  'crypto.encrypt': [{ id: ID, data: DATA }, { id: ID, data: DATA, mode: 'gcm', iv: 'AAAAAAAAAAAAAAAA', aad: 'YQ' }],
  'crypto.decrypt': [{ id: ID, data: DATA, iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA', version: 1 }],
  'crypto.mac': [{ id: ID, data: DATA }],
  'crypto.macVerify': [{ id: ID, data: DATA, mac: 'AAAA' }],
  'crypto.random': [{ length: 1 }, { length: MAX_RANDOM_BYTES }],
  'audit.list': [{}, { cursor: '3', limit: MAX_PAGE }],
  'audit.verify': [{}],
};

function params(method: string): z.ZodType {
  if (!isMethodName(method)) throw new Error(`no method ${method}`);
  return METHODS[method].params as unknown as z.ZodType;
}

function check(method: string, p: unknown): { ok: boolean; codes: string[]; paths: string[] } {
  const r = params(method).safeParse(p);
  if (r.success) return { ok: true, codes: [], paths: [] };
  const unique = (xs: string[]) => [...new Set(xs)];
  return { ok: false, codes: unique(r.error.issues.map((i) => i.code)), paths: unique(r.error.issues.map((i) => i.path.map(String).join('.'))) };
}

interface Def {
  type: string;
  shape?: Record<string, { def: Def }>;
  catchall?: { def: Def };
  innerType?: { def: Def };
  element?: { def: Def };
  options?: Array<{ def: Def }>;
  valueType?: { def: Def };
  in?: { def: Def };
}

/** Paths of every object schema reachable from `def` that accepts members it does not name. */
function looseObjects(def: Def, path = 'params'): string[] {
  switch (def.type) {
    case 'object': {
      const own = def.catchall?.def.type === 'never' ? [] : [path];
      return [...own, ...Object.entries(def.shape ?? {}).flatMap(([k, v]) => looseObjects(v.def, `${path}.${k}`))];
    }
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'nonoptional':
      return looseObjects(def.innerType!.def, path);
    case 'array':
      return looseObjects(def.element!.def, `${path}[]`);
    case 'union':
      return def.options!.flatMap((o, i) => looseObjects(o.def, `${path}|${i}`));
    case 'record':
      return looseObjects(def.valueType!.def, `${path}{}`);
    case 'pipe':
      return looseObjects(def.in!.def, path);
    default:
      return [];
  }
}

function envelopeKind(r: RpcRequest | RpcResponse): { code: number; kind: string; id: unknown } | 'request' {
  if (!isResponse(r)) return 'request';
  if (!('error' in r)) throw new Error('an envelope check answered with a result');
  return { code: r.error.code, kind: r.error.data.kind, id: r.id };
}

function nestedArrays(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

function nestedObjects(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe('method params schemas', () => {
  it('every method has a params schema whose objects all reject unknown members, nested ones included', () => {
    expect(METHOD_NAMES.length).toBeGreaterThanOrEqual(Object.keys(VALID).length);
    for (const m of METHOD_NAMES) {
      expect({ method: m, loose: looseObjects((params(m) as unknown as { def: Def }).def) }).toEqual({ method: m, loose: [] });
    }
  });

  it('accepts one valid example of every method and rejects the same example with one unknown member', () => {
    for (const [method, examples] of Object.entries(VALID)) {
      expect(isMethodName(method), method).toBe(true);
      for (const ex of examples) {
        expect({ method, ex, ...check(method, ex) }).toMatchObject({ ok: true });
        const extra = check(method, { ...(ex as object), unexpectedMember: 1 });
        expect({ method, ...extra }).toMatchObject({ ok: false, codes: ['unrecognized_keys'] });
      }
    }
  });

  it('rejects unknown members in nested objects (sealer enrolments, key policies)', () => {
    expect(check('kms.init', { sealers: [{ kind: 'passphrase', passphrase: 'correct horse', iterations: 1 }] }).ok).toBe(false);
    expect(check('keys.update', { id: ID, policy: { purposes: ['sign'], allowEverything: true } }).ok).toBe(false);
    expect(check('keys.import', { format: 'raw', data: 'AAAA', algorithm: 'aes-256', kty: 'oct' }).ok).toBe(false);
  });

  it('rejects a params value that is not an object', () => {
    for (const p of [null, 5, 'x', [], true, [{ id: ID }]]) {
      expect(check('keys.get', p).ok, JSON.stringify(p)).toBe(false);
      expect(check('kms.status', p).ok, JSON.stringify(p)).toBe(false);
    }
  });

  const wrongTypes: Array<[string, unknown, string]> = [
    ['crypto.random', { length: '32' }, 'length'],
    ['crypto.random', { length: 1.5 }, 'length'],
    ['crypto.random', { length: 0 }, 'length'],
    ['crypto.random', { length: -1 }, 'length'],
    ['keys.get', { id: 12345678 }, 'id'],
    ['keys.get', {}, 'id'],
    ['keys.get', { id: 'short' }, 'id'],
    ['keys.get', { id: 'has space in it' }, 'id'],
    ['keys.generate', { algorithm: 'rsa-1024' }, 'algorithm'],
    ['keys.generate', { algorithm: 'ED25519' }, 'algorithm'],
    ['keys.generate', { algorithm: 'ed25519', exportable: 'yes' }, 'exportable'],
    ['keys.generate', { algorithm: 'ed25519', purposes: ['sign', 'fly'] }, 'purposes.1'],
    ['keys.generate', { algorithm: 'ed25519', callers: ['root'] }, 'callers.0'],
    ['keys.generate', { algorithm: 'ed25519', provider: 'pkcs11:' }, 'provider'],
    ['keys.generate', { algorithm: 'ed25519', label: 'tab\tin label' }, 'label'],
    ['keys.import', { format: 'pem', data: 'AAAA' }, 'format'],
    ['keys.import', { format: 'jwk', data: 'AAAA' }, 'data'],
    ['keys.import', { format: 'raw', data: { k: 'AAAA' } }, 'data'],
    ['keys.import', { format: 'jwk', data: { kty: 5 } }, 'data.kty'],
    ['keys.list', { limit: 0 }, 'limit'],
    ['keys.list', { cursor: 5 }, 'cursor'],
    ['kms.init', { sealers: [] }, 'sealers'],
    ['kms.init', { sealers: [{ kind: 'rot13' }] }, 'sealers.0.kind'],
    ['kms.init', { sealers: [{ kind: 'passphrase', passphrase: '' }] }, 'sealers.0.passphrase'],
    ['kms.init', { sealers: [{ kind: 'passphrase', passphrase: 'correct horse' }], unlockPolicy: 'some' }, 'unlockPolicy'],
    ['kms.unlock', { passphrase: 12345678 }, 'passphrase'],
    ['crypto.sign', { id: ID, data: DATA, scheme: 'rsa' }, 'scheme'],
    ['crypto.sign', { id: ID, data: DATA, prehashed: 'true' }, 'prehashed'],
    ['crypto.sign', { id: ID, data: 42 }, 'data'],
    ['crypto.decrypt', { id: ID, data: DATA, version: 0 }, 'version'],
    ['crypto.encrypt', { id: ID, data: DATA, mode: 'gcm-siv' }, 'mode'],
  ];
  it.each(wrongTypes)('%s rejects %j at %s', (method, p, path) => {
    const r = check(method, p);
    expect(r.ok).toBe(false);
    expect(r.paths).toContain(path);
  });

  it('rejects strings and arrays over the limits of limits.ts, and accepts them at the limit', () => {
    const at = (n: number, ch = 'A') => ch.repeat(n);
    const cases: Array<[string, (n: number) => unknown, number]> = [
      ['keys.generate', (n) => ({ algorithm: 'ed25519', label: at(n, 'x') }), MAX_SHORT_STRING],
      ['kms.unlock', (n) => ({ passphrase: at(n, 'p') }), MAX_SECRET_STRING],
      ['kms.init', (n) => ({ sealers: [{ kind: 'passphrase', passphrase: at(n, 'p') }] }), MAX_SECRET_STRING],
      ['keys.import', (n) => ({ format: 'mnemonic', data: at(n, 'w') }), MAX_SECRET_STRING],
      ['keys.import', (n) => ({ format: 'jwk', data: { kty: 'OKP', x: at(n) } }), MAX_KEY_STRING],
      ['keys.get', (n) => ({ id: at(n) }), 64],
      ['keys.list', (n) => ({ cursor: at(n, '1') }), 128],
      ['keys.list', (n) => ({ limit: n }), MAX_PAGE],
      ['crypto.random', (n) => ({ length: n }), MAX_RANDOM_BYTES],
      ['keys.generate', (n) => ({ algorithm: 'ed25519', purposes: Array.from({ length: n }, () => 'sign') }), 12],
      ['kms.init', (n) => ({ sealers: Array.from({ length: n }, () => ({ kind: 'keychain' })) }), 4],
    ];
    for (const [method, make, limit] of cases) {
      expect({ method, limit, ok: check(method, make(limit)).ok }).toEqual({ method, limit, ok: true });
      expect({ method, limit, ok: check(method, make(limit + 1)).ok }).toEqual({ method, limit, ok: false });
    }
  });

  it('bounds data by MAX_DATA_BYTES of decoded bytes', () => {
    const maxChars = Math.ceil((MAX_DATA_BYTES * 4) / 3);
    const fits = Buffer.alloc(MAX_DATA_BYTES, 0xa5).toString('base64url');
    expect(fits.length).toBeLessThanOrEqual(maxChars);
    expect(check('crypto.sign', { id: ID, data: fits }).ok).toBe(true);
    const over = 'A'.repeat(maxChars + 2); // a valid base64url length, one group too many
    expect(check('crypto.sign', { id: ID, data: over })).toMatchObject({ ok: false, paths: ['data'] });
    expect(check('crypto.verify', { id: ID, data: DATA, signature: 'A'.repeat(Math.ceil((16 * 1024 * 4) / 3) + 2) }).ok).toBe(false);
  });

  it('rejects JWKs with too many members or long member names', () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`m${i}`, 'x']));
    expect(check('keys.import', { format: 'jwk', data: many }).ok).toBe(false);
    expect(check('keys.import', { format: 'jwk', data: { ['k'.repeat(33)]: 'x' } }).ok).toBe(false);
    expect(check('keys.import', { format: 'jwk', data: { kty: 'OKP', key_ops: Array.from({ length: 17 }, () => 'sign') } }).ok).toBe(false);
  });

  describe('base64url fields', () => {
    const bad: Array<[string, string]> = [
      ['padding', 'aGVsbG8='],
      ['double padding', 'YQ=='],
      ["'+' of standard base64", 'a+bc'],
      ["'/' of standard base64", 'a/bc'],
      ['length % 4 == 1', 'abcde'],
      ['length 1', 'a'],
      ['a space', 'YW Jj'],
      ['a newline', 'YWJj\n'],
      ['non-ASCII', 'YWJé'],
      ['a dot', 'YW.j'],
    ];
    it.each(bad)('rejects %s in data, iv, tag, aad, signature, mac and raw imports', (_what, text) => {
      expect(check('crypto.sign', { id: ID, data: text }).paths).toEqual(['data']);
      expect(check('crypto.encrypt', { id: ID, data: DATA, iv: text }).paths).toEqual(['iv']);
      expect(check('crypto.decrypt', { id: ID, data: DATA, tag: text }).paths).toEqual(['tag']);
      expect(check('crypto.encrypt', { id: ID, data: DATA, aad: text }).paths).toEqual(['aad']);
      expect(check('crypto.verify', { id: ID, data: DATA, signature: text }).paths).toEqual(['signature']);
      expect(check('crypto.macVerify', { id: ID, data: DATA, mac: text }).paths).toEqual(['mac']);
      expect(check('keys.import', { format: 'raw', data: text, algorithm: 'aes-256' }).ok).toBe(false);
      expect(fromB64u(text)).toBeUndefined();
      expect(isB64u(text)).toBe(false);
    });

    it('accepts the empty string and unpadded lengths 2 and 3 mod 4', () => {
      for (const text of ['', 'YQ', 'YWI', 'YWJj', '-_-_']) {
        expect(check('crypto.sign', { id: ID, data: text }).ok, text).toBe(true);
        expect(isB64u(text)).toBe(true);
      }
    });

    it('decodes exactly what toB64u encodes, and nothing with a foreign character', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom('=', '+', '/', ' ', '.', '\n', '%'), fc.nat(), (bytes, bad, at) => {
          const text = toB64u(bytes);
          expect(isB64u(text)).toBe(true);
          expect(Buffer.compare(fromB64u(text)!, Buffer.from(bytes))).toBe(0);
          const i = at % (text.length + 1);
          expect(fromB64u(text.slice(0, i) + bad + text.slice(i))).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    });
  });

  it('does not treat Object.prototype members as methods', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf']) {
      expect(isMethodName(name), name).toBe(false);
    }
  });
});

describe('the JSON-RPC envelope', () => {
  const good = { jsonrpc: '2.0', id: 7, method: 'kms.status', params: {} };

  it('accepts a well-formed request and keeps exactly its members', () => {
    const r = parseRequestText(JSON.stringify({ ...good, caller: 'ui' }));
    expect(r).toEqual({ jsonrpc: '2.0', id: 7, method: 'kms.status', params: {}, caller: 'ui' });
    expect(checkRequest({ jsonrpc: '2.0', id: 'a', method: 'kms.status' })).toEqual({ jsonrpc: '2.0', id: 'a', method: 'kms.status', params: undefined });
  });

  it('accepts the id forms JSON-RPC allows: a string, a safe integer, null', () => {
    for (const id of [0, -1, Number.MAX_SAFE_INTEGER, 'abc', '', 'x'.repeat(128), null]) {
      expect(envelopeKind(checkRequest({ ...good, id })), JSON.stringify(id)).toBe('request');
    }
  });

  it('rejects bad ids, answering with id null', () => {
    for (const id of [1.5, 2 ** 53, -(2 ** 53), true, {}, [], [1], 'x'.repeat(129), { id: 1 }]) {
      expect(envelopeKind(checkRequest({ ...good, id })), JSON.stringify(id)).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: null });
    }
    const { id: _drop, ...noId } = good;
    expect(envelopeKind(checkRequest(noId))).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: null });
  });

  it('rejects envelopes that are not one JSON object', () => {
    for (const text of ['null', '42', '"kms.status"', 'true', '[]', `[${JSON.stringify(good)}]`, '[1,2,3]']) {
      expect(envelopeKind(parseRequestText(text)), text).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: null });
    }
  });

  it('rejects a wrong or missing jsonrpc member, keeping a valid id', () => {
    for (const jsonrpc of ['1.0', '2', 2, 2.0, '2.0 ', null, undefined]) {
      const msg = { ...good, jsonrpc };
      if (jsonrpc === undefined) delete (msg as { jsonrpc?: unknown }).jsonrpc;
      expect(envelopeKind(checkRequest(msg)), String(jsonrpc)).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: 7 });
    }
  });

  it('rejects unknown envelope members (strict), bad methods and bad callers', () => {
    const bad: unknown[] = [
      { ...good, extra: true },
      { ...good, result: {} },
      { ...good, error: {} },
      { ...good, method: '' },
      { ...good, method: 5 },
      { ...good, method: null },
      { ...good, method: 'm'.repeat(65) },
      { jsonrpc: '2.0', id: 7, params: {} },
      { ...good, caller: 5 },
      { ...good, caller: 'c'.repeat(17) },
    ];
    for (const msg of bad) expect(envelopeKind(checkRequest(msg)), JSON.stringify(msg).slice(0, 80)).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: 7 });
  });

  it('answers text that is not JSON with a parse error of kind INVALID_REQUEST', () => {
    for (const text of ['', 'garbage', '{', '{"jsonrpc":"2.0","id":1,"method":"kms.sta', `${JSON.stringify(good)}x`, '\ufeff{}', "{'a':1}", 'NaN', '\u0000']) {
      expect(envelopeKind(parseRequestText(text)), JSON.stringify(text)).toEqual({ code: -32700, kind: 'INVALID_REQUEST', id: null });
    }
  });

  it('refuses oversized messages before parsing them', () => {
    expect(envelopeKind(parseRequestText(MESSAGE_TOO_LARGE))).toMatchObject({ kind: 'INVALID_REQUEST', id: null });
    const big = JSON.stringify({ ...good, params: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) } });
    const r = envelopeKind(parseRequestText(big));
    expect(r).toMatchObject({ kind: 'INVALID_REQUEST', id: null });
  });

  it('counts the message limit in UTF-8 bytes, as the stdio transport does', () => {
    const label = '\u20ac'.repeat(Math.ceil(MAX_MESSAGE_BYTES / 3) + 10); // fewer characters than the limit, more bytes
    const text = JSON.stringify({ ...good, method: 'keys.generate', params: { algorithm: 'ed25519', label } });
    expect(text.length).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_MESSAGE_BYTES);
    const r = parseRequestText(text);
    expect(envelopeKind(r)).toEqual({ code: -32602, kind: 'INVALID_REQUEST', id: null });
    expect(isResponse(r) && 'error' in r && r.error.message).toMatch(/too large/);
    // Just under the limit in bytes is parsed as usual.
    const fits = JSON.stringify({ ...good, params: { pad: '\u20ac'.repeat(Math.floor((MAX_MESSAGE_BYTES - 200) / 3)) } });
    expect(Buffer.byteLength(fits)).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    expect(envelopeKind(parseRequestText(fits))).toBe('request');
  });

  it(`accepts nesting up to MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) and refuses one level more`, () => {
    expect(depthWithin(nestedArrays(MAX_JSON_DEPTH))).toBe(true);
    expect(depthWithin(nestedArrays(MAX_JSON_DEPTH + 1))).toBe(false);
    expect(depthWithin(nestedObjects(MAX_JSON_DEPTH + 1))).toBe(false);
    // The envelope is level 1 and params level 2.
    expect(envelopeKind(checkRequest({ ...good, params: nestedObjects(MAX_JSON_DEPTH - 1) }))).toBe('request');
    expect(envelopeKind(checkRequest({ ...good, params: nestedObjects(MAX_JSON_DEPTH) }))).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: 7 });
    expect(envelopeKind(checkRequest({ ...good, params: { a: [1, { b: nestedArrays(MAX_JSON_DEPTH) }] } }))).toMatchObject({ kind: 'INVALID_REQUEST' });
  });

  it('refuses nesting 100000 deep without a RangeError, as text and as a value', () => {
    const n = 100_000;
    const started = Date.now();
    for (const text of [
      `{"jsonrpc":"2.0","id":9,"method":"kms.status","params":${'['.repeat(n)}${']'.repeat(n)}}`,
      `{"jsonrpc":"2.0","id":9,"method":"kms.status","params":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`,
      `{"jsonrpc":"2.0","id":9,"method":"kms.status","params":{"a":1},"x":${'['.repeat(n)}${']'.repeat(n)}}`,
    ]) {
      expect(envelopeKind(parseRequestText(text))).toEqual({ code: -32600, kind: 'INVALID_REQUEST', id: 9 });
    }
    expect(depthWithin(nestedArrays(n))).toBe(false);
    expect(depthWithin(nestedObjects(n))).toBe(false);
    expect(envelopeKind(checkRequest({ ...good, params: nestedObjects(n) }))).toMatchObject({ kind: 'INVALID_REQUEST' });
    // Unbalanced nesting is not JSON at all, and still no RangeError.
    expect(envelopeKind(parseRequestText('['.repeat(n)))).toEqual({ code: -32700, kind: 'INVALID_REQUEST', id: null });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('never throws and always answers a parse error, an envelope error or a request, for any text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ ...good, params: v }))), (text) => {
        const r = parseRequestText(text);
        if (isResponse(r)) {
          expect('error' in r && r.error.data.kind).toBe('INVALID_REQUEST');
          expect([-32700, -32600]).toContain('error' in r ? r.error.code : 0);
        } else {
          expect(r.jsonrpc).toBe('2.0');
          expect(typeof r.method).toBe('string');
        }
      }),
      { numRuns: 500 },
    );
  });
});
