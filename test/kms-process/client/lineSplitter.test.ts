// The NDJSON line splitter every stream transport uses (fd 3, stdio, the agent socket). Issue 17 made it decode a
// line in one pass; whatever the chunking, it must give the lines a plain split would: one trailing CR dropped,
// blank lines ignored, UTF-8 split across chunks intact, a line over the limit answered as too large, whole.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../../kms-process/client/lineStreamPort.js';
import { MESSAGE_TOO_LARGE } from '../../../kms-process/api/rpc.js';

/** What the splitter should emit for `bytes`, by the plain definition. */
function expected(bytes: Buffer, maxBytes: number): string[] {
  const out: string[] = [];
  let start = 0;
  for (let nl = bytes.indexOf(0x0a); nl !== -1; start = nl + 1, nl = bytes.indexOf(0x0a, start)) {
    const raw = bytes.subarray(start, nl);
    if (raw.length > maxBytes) out.push(MESSAGE_TOO_LARGE);
    else {
      const line = raw.toString('utf8').replace(/\r$/, '');
      if (line.trim().length > 0) out.push(line);
    }
  }
  return out;
}

function run(bytes: Buffer, cuts: number[], maxBytes: number): string[] {
  const out: string[] = [];
  const feed = lineSplitter((l) => out.push(l), maxBytes);
  let at = 0;
  for (const c of [...new Set(cuts.map((x) => x % (bytes.length + 1)))].sort((a, b) => a - b)) {
    feed(bytes.subarray(at, c));
    at = c;
  }
  feed(bytes.subarray(at));
  return out;
}

const piece = fc.oneof(
  fc.constantFrom('\n', '\r\n', '\r', ' ', '\t', '\u00a0', '\ufeff', '\u2028', 'é', '€', '𝄞', '{"id":1}', '[]'),
  fc.string({ maxLength: 12 }),
);

describe('lineSplitter', () => {
  it('emits the lines of a plain split, for any chunking', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 12 }), fc.integer({ min: 4, max: 64 }), (pieces, cuts, maxBytes) => {
        const bytes = Buffer.from(pieces.join(''), 'utf8');
        expect(run(bytes, cuts, maxBytes)).toEqual(expected(bytes, maxBytes));
      }),
      { numRuns: 500 },
    );
  });

  it('examples: CRLF, whitespace-only lines, a multi-byte character cut in two, an oversized line then a good one', () => {
    expect(run(Buffer.from('a\r\n \t\r\n\ufeff\nb\r\r\n'), [], 100)).toEqual(['a', 'b\r']);
    const euro = Buffer.from('x€y\n');
    expect(run(euro, [2, 3], 100)).toEqual(['x€y']);
    expect(run(Buffer.from(`${'z'.repeat(20)}\n{"ok":1}\n`), [5, 12], 10)).toEqual([MESSAGE_TOO_LARGE, '{"ok":1}']);
  });
});
