// The plaintext inside a backup: a list of sections, each a JSON description without secrets and the secret byte
// strings that go with it. Secrets stay raw bytes (never JSON strings, which the KMS could not wipe): the encoder
// and decoder work on Buffers the caller zeroizes.
//
//   u32 section count | section*     section: u8 kind | u32 meta length | meta (JSON) | u8 blob count | (u32 length | bytes)*
import { KmsError } from '../api/errors.js';

export const SECTION = { source: 1, key: 2, remote: 3, setting: 4 } as const;
export type SectionKind = (typeof SECTION)[keyof typeof SECTION];

export interface Section {
  kind: SectionKind;
  meta: unknown;
  blobs: Uint8Array[];
}

const MAX_META = 512 * 1024;
const MAX_BLOBS = 255;

/** One buffer for every section; the caller zeroizes it (it holds the secrets). */
export function encodeBody(sections: readonly Section[]): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(4);
  head.writeUInt32BE(sections.length);
  parts.push(head);
  for (const s of sections) {
    if (s.blobs.length > MAX_BLOBS) throw new KmsError('UNSUPPORTED', `a backup section holds at most ${MAX_BLOBS} secrets`);
    const meta = Buffer.from(JSON.stringify(s.meta), 'utf8');
    const h = Buffer.alloc(1 + 4);
    h.writeUInt8(s.kind, 0);
    h.writeUInt32BE(meta.length, 1);
    const n = Buffer.alloc(1);
    n.writeUInt8(s.blobs.length);
    parts.push(h, meta, n);
    for (const b of s.blobs) {
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      parts.push(len, Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    }
  }
  return Buffer.concat(parts);
}

/** The sections of a decrypted body; blobs are views into `body` (zeroizing `body` wipes them). */
export function decodeBody(body: Buffer): Section[] {
  let at = 0;
  const need = (n: number) => {
    if (n < 0 || at + n > body.length) throw new KmsError('CORRUPT', 'the backup contents end early');
  };
  const u8 = () => {
    need(1);
    return body.readUInt8(at++);
  };
  const u32 = () => {
    need(4);
    const v = body.readUInt32BE(at);
    at += 4;
    return v;
  };
  const bytes = (n: number) => {
    need(n);
    const b = body.subarray(at, at + n);
    at += n;
    return b;
  };
  const count = u32();
  const sections: Section[] = [];
  for (let i = 0; i < count; i++) {
    const kind = u8();
    if (!(Object.values(SECTION) as number[]).includes(kind)) throw new KmsError('CORRUPT', `the backup holds a section of unknown kind ${kind}`);
    const metaLength = u32();
    if (metaLength > MAX_META) throw new KmsError('CORRUPT', 'a backup section is too large');
    let meta: unknown;
    try {
      meta = JSON.parse(bytes(metaLength).toString('utf8'));
    } catch (e) {
      throw new KmsError('CORRUPT', 'a backup section is unreadable', { cause: e });
    }
    const blobs: Uint8Array[] = [];
    for (let n = u8(), j = 0; j < n; j++) blobs.push(bytes(u32()));
    sections.push({ kind: kind as SectionKind, meta, blobs });
  }
  if (at !== body.length) throw new KmsError('CORRUPT', 'the backup contents have bytes after their end');
  return sections;
}
