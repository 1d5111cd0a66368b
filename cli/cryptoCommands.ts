// owkms commands that use a key: sign, verify, jws, encrypt, decrypt, mac, mac-verify, agree, wrap, unwrap,
// encapsulate, decapsulate. Data comes raw on stdin; bytes in options and output are base64url.
import { toB64u } from '../kms-process/api/index.js';
import { B64U, defined, int, KEY_ID_FORM, str, UsageError, type ArgSpec, type Command, type Invocation } from './command.js';
import { algOption, checkSecretUse, MODE_OPTION, POLICY_OPTIONS, policyParams, SECRET_USE_OPTIONS, secretUseParams, SIGN_OPTIONS, signParams } from './sharedOptions.js';

const KEY_ID: ArgSpec = { name: 'ID', help: "the key's id (keys list shows them)", pattern: KEY_ID_FORM };
const data = async (inv: Invocation) => toB64u(await inv.stdin());
const keyToken = (inv: Invocation) => ({ keyId: inv.positionals[0] });
const invalidIfFalse = (r: unknown) => (r as { valid?: unknown }).valid === false;
const CHECK_NOTE = 'Exit code 1 when it is not valid, with {"valid": false} printed as usual (as openssl dgst -verify does).';

/** --peer as given: a JWK (JSON), PEM text, or base64url (raw public key or DER SPKI). */
function peer(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('{')) {
    try {
      return JSON.parse(t);
    } catch {
      throw new UsageError('--peer starts with { but is not a JSON JWK');
    }
  }
  if (t.includes('-----BEGIN ')) return toB64u(Buffer.from(t, 'utf8'));
  if (!/^[A-Za-z0-9_-]+$/.test(t)) throw new UsageError('--peer is a base64url public key (raw or DER SPKI), PEM text, or a JSON JWK');
  return t;
}

function jwsHeader(text: string): unknown {
  try {
    const header: unknown = JSON.parse(text);
    if (header !== null && typeof header === 'object' && !Array.isArray(header)) return header;
  } catch {
    // said below
  }
  throw new UsageError('--header is a JSON object, e.g. \'{"alg":"ES256","kid":"k1"}\'');
}

const SECRET_NOTES = [
  'The shared secret becomes a stored key by default: HKDF-SHA256(secret, --salt, --info) to --derive-alg (aes-256),',
  "with salt empty and info 'owkms/shared-secret/ALG' unless given. --raw prints the secret itself, only for keys whose",
  'policy allows it (made with --allow-raw-agreement).',
];

export const CRYPTO_COMMANDS: readonly Command[] = [
  {
    name: 'sign',
    summary: 'sign stdin (prints {signature})',
    args: [KEY_ID],
    options: SIGN_OPTIONS,
    stdin: 'the data to sign (the digest with --prehashed)',
    method: 'crypto.sign',
    unlock: true,
    token: keyToken,
    params: async (inv) => defined({ id: inv.positionals[0], data: await data(inv), ...signParams(inv) }),
  },
  {
    name: 'verify',
    summary: 'check a signature over stdin (prints {valid})',
    args: [KEY_ID],
    options: { signature: { type: 'string', value: 'SIG', pattern: B64U, required: true, help: 'the signature, base64url' }, ...SIGN_OPTIONS },
    stdin: 'the signed data',
    notes: [CHECK_NOTE],
    method: 'crypto.verify',
    unlock: true,
    token: keyToken,
    failed: invalidIfFalse,
    params: async (inv) => defined({ id: inv.positionals[0], signature: str(inv, 'signature'), data: await data(inv), ...signParams(inv) }),
  },
  {
    name: 'jws',
    summary: 'a compact JWS of stdin (prints {jws})',
    args: [KEY_ID],
    options: { header: { type: 'string', value: 'JSON', help: "the protected header; its alg defaults to the key's (EdDSA, ES256, ES384, ES512, ES256K, PS256, ML-DSA-65, ...)" } },
    stdin: 'the payload',
    check: (inv) => {
      if (typeof inv.options.header === 'string') jwsHeader(inv.options.header);
    },
    notes: ['Algs: EdDSA and Ed25519 (ed25519), ES256/384/512 (p256/p384/p521), ES256K (secp256k1), RS256-512 and PS256-512 (rsa-*), ML-DSA-44/65/87.'],
    method: 'crypto.signJws',
    unlock: true,
    token: keyToken,
    params: async (inv) => {
      const text = str(inv, 'header');
      return defined({ id: inv.positionals[0], payload: await data(inv), header: text === undefined ? undefined : jwsHeader(text) });
    },
  },
  {
    name: 'encrypt',
    summary: 'encrypt stdin (prints {ciphertext, iv, tag, mode, version})',
    args: [KEY_ID],
    options: {
      mode: MODE_OPTION,
      aad: { type: 'string', value: 'B64U', pattern: B64U, help: 'additional authenticated data, base64url (gcm, chacha); the OAEP label for RSA' },
      iv: { type: 'string', value: 'B64U', pattern: B64U, help: 'the IV or nonce, base64url (default: random; never reuse one with the same key)' },
    },
    stdin: 'the plaintext',
    notes: ['README, Formats, says how to decrypt the output elsewhere (ciphertext and tag are separate).'],
    method: 'crypto.encrypt',
    unlock: true,
    token: keyToken,
    params: async (inv) => defined({ id: inv.positionals[0], data: await data(inv), mode: str(inv, 'mode'), aad: str(inv, 'aad'), iv: str(inv, 'iv') }),
  },
  {
    name: 'decrypt',
    summary: 'decrypt stdin (prints {plaintext})',
    args: [KEY_ID],
    options: {
      iv: { type: 'string', value: 'B64U', pattern: B64U, help: 'the IV or nonce encrypt printed' },
      tag: { type: 'string', value: 'B64U', pattern: B64U, help: 'the tag encrypt printed (gcm, chacha)' },
      mode: MODE_OPTION,
      aad: { type: 'string', value: 'B64U', pattern: B64U, help: 'the additional authenticated data, base64url' },
      'key-version': { type: 'string', value: 'N', help: 'the key version encrypt printed (after keys rotate)', range: [1, 1_000_000] },
    },
    stdin: 'the ciphertext (raw bytes, without the tag)',
    method: 'crypto.decrypt',
    unlock: true,
    token: keyToken,
    params: async (inv) =>
      defined({
        id: inv.positionals[0],
        data: await data(inv),
        mode: str(inv, 'mode'),
        aad: str(inv, 'aad'),
        iv: str(inv, 'iv'),
        tag: str(inv, 'tag'),
        version: int(inv, 'key-version', 1, 1_000_000),
      }),
  },
  {
    name: 'mac',
    summary: 'an HMAC of stdin (prints {mac})',
    args: [KEY_ID],
    options: {},
    stdin: 'the data',
    method: 'crypto.mac',
    unlock: true,
    token: keyToken,
    params: async (inv) => ({ id: inv.positionals[0], data: await data(inv) }),
  },
  {
    name: 'mac-verify',
    summary: 'check an HMAC over stdin (prints {valid})',
    args: [KEY_ID],
    options: { mac: { type: 'string', value: 'MAC', pattern: B64U, required: true, help: 'the tag, base64url' } },
    stdin: 'the data',
    notes: [CHECK_NOTE],
    method: 'crypto.macVerify',
    unlock: true,
    token: keyToken,
    failed: invalidIfFalse,
    params: async (inv) => ({ id: inv.positionals[0], data: await data(inv), mac: str(inv, 'mac') }),
  },
  {
    name: 'agree',
    summary: 'ECDH / X25519 with a peer: stores a derived key (or prints the raw secret with --raw)',
    args: [KEY_ID],
    options: {
      peer: { type: 'string', value: 'KEY', required: true, help: "the peer's public key: base64url raw or DER SPKI, PEM text (\"$(cat peer.pem)\"), or a JSON JWK" },
      ...SECRET_USE_OPTIONS,
    },
    notes: SECRET_NOTES,
    check: (inv) => {
      checkSecretUse(inv);
      peer(String(inv.options.peer));
    },
    method: 'crypto.agree',
    unlock: true,
    token: keyToken,
    params: async (inv) => defined({ id: inv.positionals[0], peerPublicKey: peer(str(inv, 'peer')!), ...secretUseParams(inv) }),
  },
  {
    name: 'wrap',
    summary: 'wrap a keystore key under another (prints {wrapped})',
    args: [{ name: 'ID', help: 'the wrapping key', pattern: KEY_ID_FORM }],
    options: {
      key: { type: 'string', value: 'KEY_ID', required: true, pattern: KEY_ID_FORM, help: 'the key to wrap' },
      mode: { ...MODE_OPTION, choices: ['kw', 'kwp', 'oaep'], help: 'kw (RFC 3394), kwp (RFC 5649) or oaep (RSA)' },
    },
    method: 'crypto.wrapKey',
    unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], keyId: str(inv, 'key'), mode: str(inv, 'mode') }),
  },
  {
    name: 'unwrap',
    summary: 'unwrap a wrapped key into the keystore',
    args: [{ name: 'ID', help: 'the wrapping key', pattern: KEY_ID_FORM }],
    options: {
      alg: algOption('the algorithm of the wrapped key'),
      wrapped: { type: 'string', value: 'B64U', pattern: B64U, required: true, help: 'the wrapped key, base64url' },
      mode: { ...MODE_OPTION, choices: ['kw', 'kwp', 'oaep'], help: 'kw (RFC 3394), kwp (RFC 5649) or oaep (RSA)' },
      label: POLICY_OPTIONS.label!,
      purposes: POLICY_OPTIONS.purposes!,
      exportable: POLICY_OPTIONS.exportable!,
      approval: POLICY_OPTIONS.approval!,
    },
    method: 'crypto.unwrapKey',
    unlock: true,
    params: async (inv) => {
      const { label, purposes, exportable, requiresApproval } = policyParams(inv);
      return defined({ id: inv.positionals[0], algorithm: str(inv, 'alg'), wrapped: str(inv, 'wrapped'), mode: str(inv, 'mode'), label, purposes, exportable, requiresApproval });
    },
  },
  {
    name: 'encapsulate',
    summary: 'ML-KEM: a new shared secret for this public key (prints {ciphertext} and the stored key)',
    args: [KEY_ID],
    options: SECRET_USE_OPTIONS,
    notes: SECRET_NOTES,
    check: checkSecretUse,
    method: 'crypto.encapsulate',
    unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], ...secretUseParams(inv) }),
  },
  {
    name: 'decapsulate',
    summary: "ML-KEM: the shared secret of a ciphertext (stores a key, or prints it with --raw)",
    args: [KEY_ID],
    options: { ciphertext: { type: 'string', value: 'B64U', pattern: B64U, required: true, help: 'the ciphertext encapsulate printed' }, ...SECRET_USE_OPTIONS },
    notes: SECRET_NOTES,
    check: checkSecretUse,
    method: 'crypto.decapsulate',
    unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], ciphertext: str(inv, 'ciphertext'), ...secretUseParams(inv) }),
  },
];
