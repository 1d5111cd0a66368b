// Types of fixture.mjs for the TypeScript test that imports it.
export interface SweepExpectation {
  list: Array<{ id: string; label: string; [k: string]: unknown }>;
  ids: Record<string, string>;
  ciphertexts: Array<Record<string, unknown>>;
  mac: string;
}
export const PASSPHRASE: string;
export const DATA: string;
export const DB_FILE: string;
export function buildFixture(dir: string): Promise<SweepExpectation>;
export function fixtureBytes(dir: string): Buffer;
