// Asserts that a call fails with a KmsError of one stable kind (never a raw exception).
import { expect } from 'vitest';
import { KmsError, type ErrorKind } from '../../../kms-process/api/errors.js';

export function expectKmsError(fn: () => unknown, kind: ErrorKind, message?: RegExp): KmsError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a KmsError').toBeInstanceOf(KmsError);
  expect((thrown as KmsError).kind).toBe(kind);
  if (message) expect((thrown as KmsError).message).toMatch(message);
  return thrown as KmsError;
}

/** A verification that rejects: `false`, or a typed KmsError; any other exception fails the test. */
export function expectRejected(fn: () => boolean): void {
  let result: boolean | undefined;
  try {
    result = fn();
  } catch (e) {
    expect(e, 'a rejection must be false or a KmsError').toBeInstanceOf(KmsError);
    return;
  }
  expect(result).toBe(false);
}
