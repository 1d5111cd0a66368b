// Copies what the renderer sent into plain JSON data under a size and depth budget, in one bounded walk that stops
// at the first excess. The copy is what main checks, shows in an approval prompt and forwards, so the renderer
// cannot change it afterwards; anything that is not JSON (a function, a Map, a typed array, a cycle) is refused.
import { MAX_JSON_DEPTH, MAX_MESSAGE_BYTES } from '../../kms-process/api/limits.js';

export interface JsonLimits {
  maxBytes: number;
  maxDepth: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxBytes: MAX_MESSAGE_BYTES, maxDepth: MAX_JSON_DEPTH };

export type CopyResult = { ok: true; value: unknown } | { ok: false; reason: string };

export function copyJson(input: unknown, limits: JsonLimits = DEFAULT_JSON_LIMITS): CopyResult {
  let budget = limits.maxBytes;
  const spend = (n: number) => (budget -= n) >= 0;
  const root: { v?: unknown } = {};
  // Each task copies `value` into `target[key]`; iterative so a hostile nesting cannot blow the stack.
  const tasks: Array<{ value: unknown; target: Record<string, unknown> | unknown[]; key: string | number; depth: number }> = [
    { value: input, target: root as Record<string, unknown>, key: 'v', depth: 0 },
  ];
  const seen = new Set<object>();
  while (tasks.length > 0) {
    const { value, target, key, depth } = tasks.pop()!;
    let out: unknown;
    if (value === null || typeof value === 'boolean') {
      if (!spend(5)) return { ok: false, reason: 'message too large' };
      out = value;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return { ok: false, reason: 'numbers must be finite' };
      if (!spend(24)) return { ok: false, reason: 'message too large' };
      out = value;
    } else if (typeof value === 'string') {
      if (!spend(value.length + 2)) return { ok: false, reason: 'message too large' };
      out = value;
    } else if (typeof value === 'object') {
      if (depth >= limits.maxDepth) return { ok: false, reason: 'message nests too deeply' };
      if (seen.has(value)) return { ok: false, reason: 'message is not a tree' };
      seen.add(value);
      if (Array.isArray(value)) {
        if (!spend(2 + value.length)) return { ok: false, reason: 'message too large' };
        const arr: unknown[] = new Array(value.length);
        for (let i = 0; i < value.length; i++) tasks.push({ value: value[i], target: arr, key: i, depth: depth + 1 });
        out = arr;
      } else {
        const proto = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return { ok: false, reason: 'only plain objects, arrays, strings, numbers, booleans and null' };
        const obj: Record<string, unknown> = {};
        const keys = Object.keys(value);
        // Pushed last-first so they are copied (and so ordered) as in the input.
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i]!;
          if (!spend(k.length + 4)) return { ok: false, reason: 'message too large' };
          tasks.push({ value: (value as Record<string, unknown>)[k], target: obj, key: k, depth: depth + 1 });
        }
        out = obj;
      }
    } else if (value === undefined && typeof key === 'string') {
      continue; // an absent member, as JSON would drop it
    } else {
      return { ok: false, reason: 'only plain objects, arrays, strings, numbers, booleans and null' };
    }
    if (Array.isArray(target)) target[key as number] = out;
    else Object.defineProperty(target, key, { value: out, enumerable: true, writable: true, configurable: true });
  }
  return { ok: true, value: root.v };
}
