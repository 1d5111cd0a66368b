// Types of attempt.mjs for the TypeScript test that imports it.
import type { SweepExpectation } from './fixture.mjs';
export const DETECTED: Set<string>;
export function attempt(bytes: Uint8Array, expected: SweepExpectation): Promise<{ outcome: string; detail?: string }>;
