// Loads Wycheproof vector files (github.com/C2SP/wycheproof) from the shared vectors folder next to the project.
import { readFileSync } from 'node:fs';

const DIR = new URL('../../../../shared/vectors/wycheproof/', import.meta.url);

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
  return JSON.parse(readFileSync(new URL(name, DIR), 'utf8')) as WycheproofFile<G>;
}

export function hex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}
