// Attribute values as bytes in the module's own layout (CK_ULONG of its size, little-endian as on every platform the
// module builds for; CK_BBOOL one byte), and template matching for C_FindObjectsInit.
import { CKA } from './p11Constants.js';

/** One attribute value, or why it cannot be read. */
export type AttrValue = Uint8Array | 'sensitive';
export type Attributes = Map<number, AttrValue>;

export class AttrCodec {
  constructor(readonly ulongBytes: 4 | 8) {}

  ulong(n: number): Uint8Array {
    const b = Buffer.alloc(this.ulongBytes);
    if (this.ulongBytes === 8) b.writeBigUInt64LE(BigInt(n));
    else b.writeUInt32LE(n >>> 0);
    return b;
  }

  /** CK_UNAVAILABLE_INFORMATION: every bit set. */
  unavailable(): Uint8Array {
    return Buffer.alloc(this.ulongBytes, 0xff);
  }

  ulongs(ns: readonly number[]): Uint8Array {
    return Buffer.concat(ns.map((n) => this.ulong(n)));
  }

  bool(v: boolean): Uint8Array {
    return Uint8Array.of(v ? 1 : 0);
  }

  /** A CK_ULONG value from a template, or undefined when it has the wrong size. */
  readUlong(v: Uint8Array): number | undefined {
    if (v.length !== this.ulongBytes) return undefined;
    const b = Buffer.from(v);
    const n = this.ulongBytes === 8 ? b.readBigUInt64LE() : BigInt(b.readUInt32LE());
    return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  }

  readBool(v: Uint8Array): boolean | undefined {
    return v.length === 1 ? v[0] !== 0 : undefined;
  }
}

/** Attributes whose value is a CK_BBOOL, so a template's TRUE matches any non-zero byte as the spec's CK_TRUE. */
const BOOLEANS: ReadonlySet<number> = new Set([
  CKA.TOKEN, CKA.PRIVATE, CKA.SENSITIVE, CKA.ENCRYPT, CKA.DECRYPT, CKA.WRAP, CKA.UNWRAP, CKA.SIGN, CKA.SIGN_RECOVER,
  CKA.VERIFY, CKA.VERIFY_RECOVER, CKA.DERIVE, CKA.EXTRACTABLE, CKA.LOCAL, CKA.NEVER_EXTRACTABLE, CKA.ALWAYS_SENSITIVE,
  CKA.MODIFIABLE, CKA.COPYABLE, CKA.DESTROYABLE, CKA.ALWAYS_AUTHENTICATE, CKA.WRAP_WITH_TRUSTED, CKA.TRUSTED,
]);

/** Whether an object with `attrs` matches every (type, value) of `template` (a sensitive value never matches). */
export function matches(attrs: Attributes, template: ReadonlyArray<{ t: number; v: Uint8Array }>): boolean {
  for (const { t, v } of template) {
    const have = attrs.get(t);
    if (have === undefined || have === 'sensitive') return false;
    if (BOOLEANS.has(t) && have.length === 1 && v.length === 1) {
      if ((have[0] !== 0) !== (v[0] !== 0)) return false;
    } else if (!Buffer.from(have).equals(Buffer.from(v))) return false;
  }
  return true;
}
