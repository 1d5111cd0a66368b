// Trusted flows that bring key material in: restoring a recovery phrase (BIP39 words and an optional BIP39
// passphrase) and importing a key (JWK, PKCS#8 or SPKI PEM, secret bytes). The user types or pastes the material in
// a trusted prompt; main sends it to the KMS as `app` (keys.import); the renderer learns the new key's public
// KeyInfo only.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { KmsError, isKmsError } from '../../kms-process/api/errors.js';
import type { KmsCaller } from './broker.js';
import { askUntil, type PromptHost } from './prompts.js';

/** Errors the user fixes in the prompt itself (a typo, a wrong format); others close it and reach the renderer. */
const FIXABLE = new Set(['INVALID_REQUEST', 'UNSUPPORTED']);

function labelParam(params: Record<string, unknown>, allowed: readonly string[], name: string): { label?: string; requiresApproval?: boolean } {
  const extra = Object.keys(params).filter((k) => !allowed.includes(k));
  const { label, requiresApproval } = params;
  if (extra.length > 0 || (label !== undefined && (typeof label !== 'string' || label.length > 256)) || (requiresApproval !== undefined && typeof requiresApproval !== 'boolean')) {
    throw new KmsError('INVALID_REQUEST', `${name} takes { ${allowed.join(', ')} }`);
  }
  return { ...(label !== undefined ? { label: label as string } : {}), ...(requiresApproval !== undefined ? { requiresApproval: requiresApproval as boolean } : {}) };
}

/** Words as typed: any whitespace between them, any case; BIP39 checks them (and their checksum) in the KMS. */
export function normaliseMnemonic(text: string): string {
  return text.trim().toLowerCase().split(/\s+/).join(' ');
}

export async function restoreSeed(kms: KmsCaller, prompts: PromptHost, params: Record<string, unknown>): Promise<{ restored: boolean; key?: unknown }> {
  const { label } = labelParam(params, ['label'], 'flow.restoreSeed');
  const key = await askUntil(await prompts.open('restore'), {}, async ({ values }) => {
    const words = normaliseMnemonic(values.mnemonic ?? '');
    const count = words === '' ? 0 : words.split(' ').length;
    if (![12, 15, 18, 21, 24].includes(count)) return { retry: `A recovery phrase has 12, 15, 18, 21 or 24 words; this has ${count}.` };
    const passphrase = values.bip39Passphrase ?? '';
    try {
      return await kms.call('keys.import', { format: 'mnemonic', data: words, label: label ?? 'Recovery phrase', ...(passphrase ? { bip39Passphrase: passphrase } : {}) }, 'app');
    } catch (e) {
      if (isKmsError(e) && FIXABLE.has(e.kind)) return { retry: 'These words are not a valid recovery phrase: a word is misspelled, missing or out of order.' };
      throw e;
    }
  });
  return key === undefined ? { restored: false } : { restored: true, key };
}

/** The formats the import prompt offers, and what keys.import gets for each. */
export const IMPORT_FORMATS = ['jwk', 'pkcs8', 'spki', 'secret'] as const;

/** PEM (or bare base64) to base64url DER; the label names what was expected, so a public key is not taken as private. */
export function pemToB64u(text: string, label: 'PRIVATE KEY' | 'PUBLIC KEY'): string {
  const t = text.trim();
  const pem = /^-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----$/.exec(t);
  if (pem && pem[1] !== label) throw new KmsError('INVALID_REQUEST', `expected a "${label}" PEM block, not "${pem[1]}"`);
  const body = (pem ? pem[2]! : t).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new KmsError('INVALID_REQUEST', 'the key is not PEM or base64');
  return Buffer.from(body, 'base64').toString('base64url');
}

const CURVES: Readonly<Record<string, string>> = { prime256v1: 'p256', secp384r1: 'p384', secp521r1: 'p521', secp224r1: 'p224', secp256k1: 'secp256k1' };

/** The algorithm id of a DER key, read by node:crypto (OpenSSL), when the user left "detect" chosen. */
export function detectAlgorithm(derB64u: string, kind: 'pkcs8' | 'spki'): string {
  let key: KeyObject;
  try {
    const der = Buffer.from(derB64u, 'base64url');
    key = kind === 'pkcs8' ? createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) : createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new KmsError('INVALID_REQUEST', `this is not a ${kind === 'pkcs8' ? 'PKCS#8 private' : 'SPKI public'} key`);
  }
  const d = key.asymmetricKeyDetails ?? {};
  const t = key.asymmetricKeyType;
  const id = t === 'ec' ? CURVES[d.namedCurve ?? ''] : t === 'rsa' ? `rsa-${d.modulusLength}` : t === 'ed25519' || t === 'x25519' ? t : undefined;
  if (!id) throw new KmsError('UNSUPPORTED', `this key's type (${t ?? 'unknown'}) cannot be detected: choose its algorithm`);
  return id;
}

/** keys.import params from what was pasted in the prompt. */
export function importParams(values: Record<string, string>): Record<string, unknown> {
  const format = values.format ?? '';
  const data = values.data ?? '';
  const algorithm = values.algorithm ? { algorithm: values.algorithm } : {};
  switch (format) {
    case 'jwk': {
      let jwk: unknown;
      try {
        jwk = JSON.parse(data);
      } catch {
        throw new KmsError('INVALID_REQUEST', 'the JWK is not valid JSON');
      }
      return { format: 'jwk', data: jwk, ...algorithm };
    }
    case 'pkcs8':
    case 'spki': {
      const der = pemToB64u(data, format === 'pkcs8' ? 'PRIVATE KEY' : 'PUBLIC KEY');
      return { format, data: der, algorithm: values.algorithm || detectAlgorithm(der, format) };
    }
    case 'secret': {
      const hex = data.trim().replace(/^0x/, '').replace(/\s+/g, '');
      if (!/^([0-9a-fA-F]{2})+$/.test(hex)) throw new KmsError('INVALID_REQUEST', 'secret key bytes are hex digits');
      if (!values.algorithm) throw new KmsError('INVALID_REQUEST', 'choose the algorithm of the secret key');
      return { format: 'raw', data: Buffer.from(hex, 'hex').toString('base64url'), ...algorithm };
    }
    default:
      throw new KmsError('INVALID_REQUEST', 'choose a format');
  }
}

export async function importKey(kms: KmsCaller, prompts: PromptHost, params: Record<string, unknown>): Promise<{ imported: boolean; key?: unknown }> {
  const flags = labelParam(params, ['label', 'requiresApproval'], 'flow.importKey');
  const key = await askUntil(await prompts.open('import'), { formats: IMPORT_FORMATS }, async ({ values }) => {
    try {
      return await kms.call('keys.import', { ...importParams(values), label: flags.label ?? 'Imported key', ...(flags.requiresApproval ? { requiresApproval: true } : {}) }, 'app');
    } catch (e) {
      if (isKmsError(e) && FIXABLE.has(e.kind)) return { retry: `The key was not imported: ${e.message.slice(0, 200)}` };
      throw e;
    }
  });
  return key === undefined ? { imported: false } : { imported: true, key };
}
