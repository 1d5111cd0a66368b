// Strict BIP32 path parsing: canonical spelling, hardened markers, range, depth and malformed input.
import { describe, expect, it } from 'vitest';
import { HARDENED, parseHdPath } from '../../../kms-process/algorithms/hdPath.js';
import { expectKmsError } from './expectKmsError.js';

describe('parseHdPath', () => {
  it('parses BIP44 paths and spells them canonically', () => {
    expect(parseHdPath("m/44'/60'/0'/0/0")).toEqual({
      indices: [44 + HARDENED, 60 + HARDENED, HARDENED, 0, 0],
      text: "m/44'/60'/0'/0/0",
    });
    expect(parseHdPath('m/44h/501H/0H').text).toBe("m/44'/501'/0'");
    expect(parseHdPath('m')).toEqual({ indices: [], text: 'm' });
    expect(parseHdPath("m/2147483647'").indices).toEqual([0xffffffff]);
  });

  it('rejects malformed paths, out-of-range indices and too deep paths', () => {
    const bad = ['', 'M/0', '/0', 'm/', 'm//0', 'm/01', 'm/-1', 'm/1.5', "m/0''", 'm/0x10', 'm/ 1', 'm/1 ', "m/0'/a", 'n/0'];
    for (const p of bad) expectKmsError(() => parseHdPath(p), 'INVALID_REQUEST');
    expectKmsError(() => parseHdPath('m/2147483648'), 'INVALID_REQUEST');
    expectKmsError(() => parseHdPath("m/2147483648'"), 'INVALID_REQUEST');
    expectKmsError(() => parseHdPath('m/99999999999'), 'INVALID_REQUEST');
    expect(parseHdPath('m' + '/0'.repeat(255)).indices).toHaveLength(255);
    expectKmsError(() => parseHdPath('m' + '/0'.repeat(256)), 'INVALID_REQUEST');
    expectKmsError(() => parseHdPath(42 as unknown as string), 'INVALID_REQUEST');
  });

  it('hardened-only mode (SLIP-10 ed25519) refuses a normal segment', () => {
    expect(parseHdPath("m/44'/501'/0'", { hardenedOnly: true }).indices).toHaveLength(3);
    expectKmsError(() => parseHdPath("m/44'/501'/0", { hardenedOnly: true }), 'INVALID_REQUEST');
  });
});
