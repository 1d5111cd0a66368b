import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyJson } from '../../../main/core/jsonRequest.js';

describe('copyJson: what the renderer sent, as plain JSON under limits', () => {
  it('copies any JSON value exactly (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const r = copyJson(v);
        expect(r.ok).toBe(true);
        // The same JSON text (JSON has no -0: a -0 from the renderer is kept, and is written as 0 like any 0).
        if (r.ok) expect(JSON.stringify(r.value)).toBe(JSON.stringify(v));
      }),
    );
  });

  it('the copy is independent of the input', () => {
    const input = { params: { data: 'a' } };
    const r = copyJson(input);
    input.params.data = 'changed';
    expect(r.ok && (r.value as typeof input).params.data).toBe('a');
  });

  it('refuses a message over the byte budget without walking all of it', () => {
    expect(copyJson({ data: 'A'.repeat(1000) }, { maxBytes: 999, maxDepth: 32 })).toEqual({ ok: false, reason: 'message too large' });
    expect(copyJson(Array.from({ length: 2000 }, () => 1), { maxBytes: 1000, maxDepth: 32 }).ok).toBe(false);
    expect(copyJson({ data: 'A'.repeat(900) }, { maxBytes: 1000, maxDepth: 32 }).ok).toBe(true);
  });

  it('refuses deep nesting, cycles and what JSON has not', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    expect(copyJson(deep).ok).toBe(false);
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    expect(copyJson(cyc).ok).toBe(false);
    for (const bad of [new Map(), new Uint8Array(2), () => 1, Symbol('x'), 10n, new Date(), NaN, Infinity, [undefined]]) {
      expect(copyJson({ x: bad }).ok, String(typeof bad)).toBe(false);
    }
  });

  it('a __proto__ member stays data and pollutes nothing', () => {
    const r = copyJson(JSON.parse('{"__proto__":{"polluted":true},"a":1}'));
    expect(r.ok).toBe(true);
    const v = (r as { value: Record<string, unknown> }).value;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(v)).toEqual(['__proto__', 'a']);
  });
});
