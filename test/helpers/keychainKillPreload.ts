// Test helper: a preload module (node --import) for a KMS child that SIGKILLs the KMS right after its Nth write to
// the keychain sealer's service has completed, before the keystore commits what goes with it: the crash window of
// kms.changeSealers under policy `all` (the new share is in the keychain, the database still names the old copies).
// Nothing in the KMS is changed for tests: the preload wraps @napi-rs/keyring's AsyncEntry from the outside.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const KILL_AT_ENV = 'OWKMS_TEST_KILL_AT_KEYCHAIN_WRITE';

/** Writes the preload into `dir`; returns the Node flags that load it. The KMS dies at write number $KILL_AT_ENV. */
export function keychainKillPreload(dir: string, repoRoot: string): string[] {
  const path = join(dir, 'kill-at-keychain-write.mjs');
  writeFileSync(
    path,
    `import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(repoRoot, 'package.json'))});
const { AsyncEntry } = require('@napi-rs/keyring');
const original = AsyncEntry.prototype.setPassword;
let writes = 0;
const killAt = Number(process.env.${KILL_AT_ENV} ?? '0');
AsyncEntry.prototype.setPassword = async function (...args) {
  const out = await original.apply(this, args);
  if (this.__owService === 'owkms' && ++writes === killAt) process.kill(process.pid, 'SIGKILL');
  return out;
};
// The service name is not readable back from the native object: remember it at construction.
const construct = Reflect.construct;
require.cache[require.resolve('@napi-rs/keyring')].exports.AsyncEntry = new Proxy(AsyncEntry, {
  construct(target, argv, newTarget) {
    const e = construct(target, argv, newTarget);
    e.__owService = argv[0];
    return e;
  },
});
`,
  );
  return ['--import', pathToFileURL(path).href];
}
