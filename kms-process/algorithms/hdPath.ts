// Strict BIP32 derivation paths ("m/44'/60'/0'/0/0"): decimal indices below 2^31 without leading zeros, hardened
// marked ' h or H, depth at most 255 (BIP32 serialises depth in one byte). Anything else is INVALID_REQUEST.
import { invalid } from './specChecks.js';

export const HARDENED = 0x80000000;
const MAX_DEPTH = 255;
const SEGMENT = /^(0|[1-9][0-9]{0,9})(['hH]?)$/;

export interface HdPath {
  /** Child indices, hardened ones with HARDENED added. */
  indices: number[];
  /** The canonical spelling: m/44'/60'/0'/0/0. */
  text: string;
}

export function parseHdPath(path: string, opts: { hardenedOnly?: boolean } = {}): HdPath {
  if (typeof path !== 'string' || path.length > 4096) throw invalid('derivation path is malformed');
  const parts = path.split('/');
  if (parts[0] !== 'm') throw invalid(`derivation path must start with 'm'`);
  const segments = parts.slice(1);
  if (segments.length > MAX_DEPTH) throw invalid(`derivation path is deeper than ${MAX_DEPTH}`);
  const indices: number[] = [];
  const text: string[] = ['m'];
  for (const seg of segments) {
    const m = SEGMENT.exec(seg);
    if (!m) throw invalid('derivation path has a malformed segment');
    const n = Number(m[1]);
    if (n >= HARDENED) throw invalid('derivation path index is out of range (at most 2^31 - 1)');
    const hardened = m[2] !== '';
    if (!hardened && opts.hardenedOnly) throw invalid('this derivation (SLIP-10 ed25519) allows hardened indices only');
    indices.push(hardened ? n + HARDENED : n);
    text.push(hardened ? `${n}'` : `${n}`);
  }
  return { indices, text: text.join('/') };
}
