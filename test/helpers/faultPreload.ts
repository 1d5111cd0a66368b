// Test helper: a preload module (node --import) for a KMS child that makes node:crypto's `sign` fail on marker
// inputs, to provoke the dispatcher's INTERNAL path from the outside. Nothing in the KMS is changed for tests.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Data containing this makes sign throw an Error whose multi-line message quotes `secrets`. */
export const FORCE_ERROR = 'FORCE-INTERNAL-ERROR';
/** Data containing this makes sign throw `undefined`; with FORCE_NULL, `null`; with FORCE_STRING, a string. */
export const FORCE_UNDEFINED = 'FORCE-INTERNAL-UNDEFINED';
export const FORCE_NULL = 'FORCE-INTERNAL-NULL';
export const FORCE_STRING = 'FORCE-INTERNAL-STRING';

/** Writes the preload into `dir` and returns the Node flags that load it. */
export function faultPreload(dir: string, secrets: string[] = []): string[] {
  const path = join(dir, 'force-internal.mjs');
  const message = ['signing failed', ...secrets].join('\n');
  writeFileSync(
    path,
    `import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
const original = crypto.sign;
const has = (data, marker) => data instanceof Uint8Array && Buffer.from(data).includes(marker);
crypto.sign = function (...args) {
  const data = args[1];
  if (has(data, ${JSON.stringify(FORCE_ERROR)})) {
    const e = new Error(${JSON.stringify(message)});
    e.code = ${JSON.stringify(secrets[0] ?? 'E_FORCED')};
    throw e;
  }
  if (has(data, ${JSON.stringify(FORCE_UNDEFINED)})) throw undefined;
  if (has(data, ${JSON.stringify(FORCE_NULL)})) throw null;
  if (has(data, ${JSON.stringify(FORCE_STRING)})) throw ${JSON.stringify(message)};
  return original.apply(this, args);
};
syncBuiltinESMExports();
`,
  );
  return ['--import', pathToFileURL(path).href];
}
