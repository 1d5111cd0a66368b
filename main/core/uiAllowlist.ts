// What the renderer (caller `ui`) may ask the KMS through the broker: one entry per method, each with the params
// it may not carry. Moving key material, secrets typed by the user and private exports never come from the
// renderer (DESIGN.md section 1); the KMS enforces the same rules again for `ui`, this list is the broker's own.
import type { MethodName } from '../../kms-process/api/methods.js';

/** A reason to refuse these params from the renderer, or undefined when they may go on. */
type ParamsRule = (params: Record<string, unknown>) => string | undefined;

const noRawSecret: ParamsRule = (p) => (p.raw === true ? 'a raw shared secret never goes to the renderer' : undefined);

export const UI_METHOD_RULES = {
  'kms.status': undefined,
  'kms.lock': undefined,
  'keys.list': undefined,
  'keys.get': undefined,
  'keys.generate': (p) => (p.bip39Passphrase !== undefined ? 'a BIP39 passphrase is typed in a trusted prompt, not the renderer' : undefined),
  'keys.delete': undefined,
  'keys.update': undefined,
  'keys.derive': undefined,
  'keys.rotate': undefined,
  'keys.export': (p) =>
    p.private === true || p.format === 'pkcs8' || p.format === 'mnemonic'
      ? 'private keys and mnemonics are shown only in a trusted prompt'
      : p.wrapWith !== undefined
        ? 'moving key material is never a renderer operation'
        : undefined,
  'crypto.sign': undefined,
  'crypto.signJws': undefined,
  // The KMS answers `ui` with APPROVAL_DENIED every time: the broker shows the decoded fields in a trusted prompt.
  'crypto.signEthTransaction': undefined,
  'crypto.signTypedData': undefined,
  'crypto.verify': undefined,
  'crypto.verifyWithPublicKey': undefined,
  'crypto.encrypt': undefined,
  'crypto.decrypt': undefined,
  'crypto.mac': undefined,
  'crypto.macVerify': undefined,
  'crypto.agree': noRawSecret,
  'crypto.encapsulate': noRawSecret,
  'crypto.decapsulate': noRawSecret,
  'crypto.random': undefined,
  'crypto.batch': undefined,
  'audit.list': undefined,
  'audit.verify': undefined,
  'tokens.list': undefined,
  'tokens.logout': undefined,
} as const satisfies Partial<Record<MethodName, ParamsRule | undefined>>;

export type UiMethod = keyof typeof UI_METHOD_RULES;
export const UI_METHODS = Object.keys(UI_METHOD_RULES) as UiMethod[];

/**
 * Methods the renderer never reaches, and why (documentation and tests): kms.init, kms.unlock, kms.changeSealers
 * and tokens.login carry a passphrase or PIN (trusted prompts send them as `app`); keys.import carries key
 * material or a mnemonic (the import and restore prompts send it); crypto.wrapKey and crypto.unwrapKey move key
 * material; keys.retireVersions destroys old key versions for good (the KMS keeps it from `ui` too); kms.configure
 * is main's (Settings changes that weaken are confirmed in a trusted prompt first); the PKCS#11 module's PIN, the
 * KMIP remotes (certificates and keys on disk), WebKMS and Universal Wallet export/import (a password, private
 * keys) belong to owkms and main's trusted flows; kms.backup hands out every key encrypted under a passphrase (an
 * offline brute-force target), kms.restore plants keys and kms.doctor reads a damaged keystore: owkms's, and main's
 * backup flows as `app` (main/core/backupFlows.ts: the passphrase in a trusted prompt, the file never in the renderer).
 */
export const UI_FORBIDDEN: readonly MethodName[] = [
  'kms.init',
  'kms.unlock',
  'kms.changeSealers',
  'kms.configure',
  'tokens.login',
  'keys.import',
  'crypto.wrapKey',
  'crypto.unwrapKey',
  'keys.retireVersions',
  // Every key out under a passphrase, keys in, and a damaged keystore read with the master key (issue 13).
  'kms.backup',
  'kms.restore',
  'kms.doctor',
  // The PKCS#11 module's PIN is set by the user in the CLI or a trusted prompt; its checks are the module's.
  'pkcs11.setPin',
  'pkcs11.login',
  'pkcs11.pinStatus',
  // A remote KMS's client key is key material; a Universal Wallet export carries private keys.
  'remotes.add',
  'remotes.list',
  'remotes.remove',
  'wallet.export',
  'wallet.import',
  // What `owkms serve --webkms` needs for its REST callers.
  'webkms.createKeystore',
  'webkms.listKeystores',
  'webkms.generateKey',
  'webkms.wrapKey',
  'webkms.unwrapKey',
  'webkms.revoke',
  'webkms.audit',
];

export function isUiMethod(name: string): name is UiMethod {
  return Object.prototype.hasOwnProperty.call(UI_METHOD_RULES, name);
}

export function uiParamsRefusal(method: UiMethod, params: Record<string, unknown>): string | undefined {
  const rule: ParamsRule | undefined = UI_METHOD_RULES[method];
  return rule ? rule(params) : undefined;
}
