// Which methods each caller may call (the first authorization step of the dispatcher, and of every crypto.batch
// item). Secrets such as passphrases, PINs, mnemonics and imported private keys reach the KMS from `app` (main's
// trusted prompt) or `cli`, never from the renderer (`ui`): keys.import, kms.init/unlock and tokens.login are not
// on its list. Moving key material is not a renderer operation either: crypto.wrapKey and crypto.unwrapKey are not
// on it, and materialRecipients.ts refuses the private and wrapped forms of keys.export and raw shared secrets.
import { KmsError } from '../api/errors.js';
import { METHOD_NAMES, type Caller, type MethodName } from '../api/index.js';
import { mayReceiveMaterial } from './materialRecipients.js';

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
  // Always confirmed by the user in a trusted prompt when the caller is `ui` (alwaysConfirmed.ts).
  'crypto.signEthTransaction',
  'crypto.signTypedData',
  'crypto.verifyWithPublicKey',
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
  // owkms serve --webkms (issue 15): DeriveSecret, and WebKMS's own methods (keys it makes admit `rest` only; its
  // key-encryption keys wrap only the client's own bytes).
  'crypto.agree',
  'webkms.createKeystore',
  'webkms.listKeystores',
  'webkms.generateKey',
  'webkms.wrapKey',
  'webkms.unwrapKey',
  'webkms.revoke',
  'webkms.audit',
]);

/**
 * The PKCS#11 module, through the agent (which names this caller; the module cannot). Other programs load the module,
 * so it only uses keys: no key management, no import, no export, no wrap or unwrap (moving key material), no new
 * stored keys (crypto.agree is called with `raw` by the agent; the KMS still refuses raw secrets to keys without
 * allowRawAgreement, and storing a derived key would need keys to be created). Its own PIN is checked here too.
 */
const PKCS11: ReadonlySet<string> = new Set<string>([
  'kms.status',
  'keys.list',
  'keys.get',
  'crypto.sign',
  'crypto.verify',
  'crypto.encrypt',
  'crypto.decrypt',
  'crypto.agree',
  'crypto.random',
  'pkcs11.login',
  'pkcs11.pinStatus',
]);

/**
 * Methods that carry every key of the keystore at once (issue 13): an encrypted backup is an offline brute-force
 * target, a restore plants keys, the doctor reads every row with the master key and copies keys out. Only callers that may receive key material (materialRecipients.ts) reach them, even
 * if a list above ever named them.
 */
export const WHOLE_KEYSTORE_METHODS: ReadonlySet<string> = new Set<MethodName>(['kms.backup', 'kms.restore', 'kms.doctor']);

const ALLOWLIST: Record<Caller, ReadonlySet<string>> = { ui: UI, app: EVERYTHING, cli: EVERYTHING, test: EVERYTHING, rest: REST, pkcs11: PKCS11 };

/** Add methods that later namespaces register (tokens.*, ...) to callers that may use them. */
export function allowMethods(callers: readonly Caller[], methods: readonly string[]): void {
  for (const c of callers) {
    const set = ALLOWLIST[c] as Set<string>;
    ALLOWLIST[c] = new Set([...set, ...methods]);
  }
}

export function authorizeCaller(caller: Caller, method: string): void {
  if (!ALLOWLIST[caller].has(method) || (WHOLE_KEYSTORE_METHODS.has(method) && !mayReceiveMaterial(caller))) {
    throw new KmsError('POLICY_DENIED', `caller '${caller}' may not call ${method}`);
  }
}
