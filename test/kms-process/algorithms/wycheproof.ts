// Loads Wycheproof vector files (github.com/C2SP/wycheproof) from the repository's own copy in test/vectors/wycheproof
// (upstream commit and licence in its README.md).
import { readFileSync } from 'node:fs';

export const WYCHEPROOF_DIR = new URL('../../vectors/wycheproof/', import.meta.url);

export type WycheproofResult = 'valid' | 'invalid' | 'acceptable';

export interface WycheproofTest {
  tcId: number;
  comment: string;
  flags: string[];
  result: WycheproofResult;
}

export interface WycheproofFile<G> {
  algorithm: string;
  numberOfTests: number;
  testGroups: G[];
}

export function loadWycheproof<G>(name: string): WycheproofFile<G> {
  return JSON.parse(readFileSync(new URL(name, WYCHEPROOF_DIR), 'utf8')) as WycheproofFile<G>;
}

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
