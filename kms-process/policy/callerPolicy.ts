// Which methods each caller may call (the first authorization step of the dispatcher, and of every crypto.batch
// item). Secrets such as passphrases, PINs, mnemonics and imported private keys reach the KMS from `app` (main's
// trusted prompt) or `cli`, never from the renderer (`ui`): keys.import, kms.init/unlock and tokens.login are not
// on its list. Moving key material is not a renderer operation either: crypto.wrapKey and crypto.unwrapKey are not
// on it, and materialRecipients.ts refuses the private and wrapped forms of keys.export and raw shared secrets.
import { KmsError } from '../api/errors.js';
import { METHOD_NAMES, type Caller, type MethodName } from '../api/index.js';

const EVERYTHING: ReadonlySet<string> = new Set(METHOD_NAMES);

const UI: ReadonlySet<string> = new Set<MethodName>([
  'kms.status',
  'kms.lock',
  'keys.generate',
  'keys.list',
  'keys.get',
  'keys.delete',
  'keys.update',
  'keys.export',
  'keys.derive',
  'keys.rotate',
  'crypto.sign',
  'crypto.signJws',
  'crypto.verify',
  'crypto.agree',
  'crypto.encapsulate',
  'crypto.decapsulate',
  'crypto.encrypt',
  'crypto.decrypt',
  'crypto.mac',
  'crypto.macVerify',
  'crypto.random',
  'crypto.batch',
  'audit.list',
  'audit.verify',
  'tokens.list',
  'tokens.logout',
]);

const REST: ReadonlySet<string> = new Set<MethodName>([
  'kms.status',
  'keys.list',
  'keys.get',
  'crypto.sign',
  'crypto.signJws',
  'crypto.verify',
  'crypto.encrypt',
  'crypto.decrypt',
  'crypto.mac',
  'crypto.macVerify',
  'crypto.random',
  'crypto.batch',
]);

const ALLOWLIST: Record<Caller, ReadonlySet<string>> = { ui: UI, app: EVERYTHING, cli: EVERYTHING, test: EVERYTHING, rest: REST };

/** Add methods that later namespaces register (tokens.*, ...) to callers that may use them. */
export function allowMethods(callers: readonly Caller[], methods: readonly string[]): void {
  for (const c of callers) {
    const set = ALLOWLIST[c] as Set<string>;
    ALLOWLIST[c] = new Set([...set, ...methods]);
  }
}

export function authorizeCaller(caller: Caller, method: string): void {
  if (!ALLOWLIST[caller].has(method)) {
    throw new KmsError('POLICY_DENIED', `caller '${caller}' may not call ${method}`);
  }
}
