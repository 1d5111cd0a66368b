// Options several owkms commands take, declared once: a key's policy flags, signing options, and what an agreed or
// encapsulated secret becomes. Each maps to the protocol field of the same meaning (kms-process/api).
import { ALGORITHM_IDS, CALLERS, OPERATIONS } from '../kms-process/api/index.js';
import { cipherMode, hashName, signatureFormat, signatureScheme } from '../kms-process/api/cryptoMethods.js';
import { B64U, defined, flag, list, str, UsageError, type Invocation, type OptionSpec } from './command.js';

export const DERIVED_ALGORITHMS = ['aes-128', 'aes-256', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'chacha20-poly1305', 'xchacha20-poly1305'] as const;

export const algOption = (help: string, required = true): OptionSpec => ({ type: 'string', value: 'ALG', help, choices: ALGORITHM_IDS, required });

export const labelOption: OptionSpec = { type: 'string', value: 'L', help: 'a label for the key (shown by keys list)' };

/** The policy of a new key (keys generate, import, derive; unwrap takes some). */
export const POLICY_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  label: labelOption,
  purposes: {
    type: 'string',
    value: 'OPS',
    list: true,
    choices: OPERATIONS,
    help: "what the key may do, comma-separated (default: all its algorithm can do), e.g. 'sign,verify'",
  },
  exportable: { type: 'boolean', help: 'the private key may leave the keystore later (keys export --private)' },
  approval: { type: 'boolean', help: 'every use needs approval (the desktop app asks in a trusted prompt)' },
  callers: {
    type: 'string',
    value: 'LIST',
    list: true,
    choices: CALLERS,
    help: `callers that may use the key, comma-separated (default: any the method admits): ${CALLERS.join(', ')}`,
  },
  'allow-raw-agreement': { type: 'boolean', help: 'agree / decapsulate may return the raw shared secret (--raw) instead of storing a key' },
};

export function policyParams(inv: Invocation): Record<string, unknown> {
  return {
    label: str(inv, 'label'),
    purposes: list(inv, 'purposes'),
    exportable: flag(inv, 'exportable'),
    requiresApproval: flag(inv, 'approval'),
    callers: list(inv, 'callers'),
    allowRawAgreement: flag(inv, 'allow-raw-agreement'),
  };
}

export const SIGN_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  scheme: { type: 'string', value: 'S', choices: signatureScheme.options, help: "the signature scheme where the key has several (default: the key's own: ecdsa, eddsa, pss, ml-dsa)" },
  hash: { type: 'string', value: 'H', choices: hashName.options, help: 'the hash (ECDSA default: by curve, SHA-256 for p256 and secp256k1; RSA default sha256)' },
  prehashed: { type: 'boolean', help: 'stdin is already the digest (ECDSA only)' },
  format: { type: 'string', value: 'F', choices: signatureFormat.options, help: 'ECDSA signature encoding: p1363 r||s (default), der, recoverable r||s||v (secp256k1)' },
  context: { type: 'string', value: 'B64U', pattern: B64U, help: 'ML-DSA context string (FIPS 204), base64url, at most 255 bytes' },
};

export function signParams(inv: Invocation): Record<string, unknown> {
  return { scheme: str(inv, 'scheme'), hash: str(inv, 'hash'), prehashed: flag(inv, 'prehashed'), format: str(inv, 'format'), context: str(inv, 'context') };
}

export const MODE_OPTION: OptionSpec = {
  type: 'string',
  value: 'M',
  choices: cipherMode.options,
  help: 'the cipher mode (default: gcm for AES, the key\'s own for ChaCha, oaep for RSA)',
};

/** What an agreed or encapsulated shared secret becomes (agree, encapsulate, decapsulate). */
export const SECRET_USE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  'derive-alg': { type: 'string', value: 'ALG', choices: DERIVED_ALGORITHMS, help: 'the stored key HKDF-SHA256 makes from the secret (default aes-256)' },
  salt: { type: 'string', value: 'B64U', pattern: B64U, help: 'HKDF salt, base64url (default: empty, which HKDF reads as 32 zero bytes)' },
  info: { type: 'string', value: 'B64U', pattern: B64U, help: "HKDF info, base64url (default: the UTF-8 of 'owkms/shared-secret/ALG')" },
  label: { type: 'string', value: 'L', help: 'a label for the stored key' },
  raw: { type: 'boolean', help: "print the raw shared secret instead of storing a key (the key's policy must allow it)" },
};

export function checkSecretUse(inv: Pick<Invocation, 'options'>): void {
  const o = inv.options;
  if (o.raw === true && ['derive-alg', 'salt', 'info', 'label'].some((k) => o[k] !== undefined)) {
    throw new UsageError('--raw prints the shared secret itself; --derive-alg, --salt, --info and --label are for the key stored instead');
  }
}

export function secretUseParams(inv: Invocation): Record<string, unknown> {
  const derive = defined({ algorithm: str(inv, 'derive-alg'), salt: str(inv, 'salt'), info: str(inv, 'info'), label: str(inv, 'label') });
  return { raw: flag(inv, 'raw'), derive: Object.keys(derive).length > 0 ? derive : undefined };
}
