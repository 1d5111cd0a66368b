// owkms keys ...: making, finding, importing, exporting, deriving, rotating, changing and deleting keys.
import { KmsError, toB64u } from '../kms-process/api/index.js';
import { defined, flag, int, KEY_ID_FORM, str, UsageError, type ArgSpec, type Command, type Invocation, type OptionSpec } from './command.js';
import { algOption, labelOption, MODE_OPTION, POLICY_OPTIONS, policyParams } from './sharedOptions.js';

/** RFC 7468 text: the label lines around the DER in base64, 64 characters a line. */
function toPem(label: string, b64url: string): string {
  const b64 = Buffer.from(b64url, 'base64url').toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}

const KEY_ID: ArgSpec = { name: 'ID', help: "the key's id (keys list shows them)", pattern: KEY_ID_FORM };

const IMPORT_NOTES = [
  'Formats (the key on stdin):',
  '  pkcs8     a private key: DER, or PEM "BEGIN PRIVATE KEY", "BEGIN EC PRIVATE KEY" (SEC1) or "BEGIN RSA PRIVATE KEY"',
  '  spki      a public key: DER, or PEM "BEGIN PUBLIC KEY", "BEGIN RSA PUBLIC KEY" or "BEGIN CERTIFICATE"',
  '  jwk       a JSON Web Key (public, or private with d / priv)',
  "  raw       the algorithm's raw public key (see README, Formats); with --private, the raw private key: the EC",
  '            scalar (32 bytes for p256 and secp256k1), the 32-byte Ed25519 / X25519 private key (Ed25519 also as',
  '            64 bytes, private then public key, as Solana and libsodium keep it), the ML-DSA (32) or ML-KEM (64)',
  '            seed; a symmetric key is raw either way. An EC raw key of the scalar\'s length is private even without',
  '            --private; for Ed25519 and X25519, 32 bytes are the public key unless --private says otherwise.',
  '  mnemonic  BIP39 words (hd-seed; a BIP39 passphrase from $OWKMS_BIP39_PASSPHRASE)',
  'pkcs8, spki and jwk name their algorithm; raw needs --alg.',
  'A key already on a token is adopted with --provider pkcs11:SERIAL --id CKA_ID (nothing on stdin).',
];

const UPDATE_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  label: labelOption,
  purposes: POLICY_OPTIONS.purposes!,
  callers: POLICY_OPTIONS.callers!,
  exportable: { type: 'boolean', help: 'the private key may be exported' },
  'not-exportable': { type: 'boolean', help: 'the private key may not be exported' },
  approval: { type: 'boolean', help: 'every use needs approval' },
  'no-approval': { type: 'boolean', help: 'uses need no approval' },
  'allow-raw-agreement': POLICY_OPTIONS['allow-raw-agreement']!,
  'no-raw-agreement': { type: 'boolean', help: 'agree / decapsulate may not return the raw secret' },
};

export const KEY_COMMANDS: readonly Command[] = [
  {
    name: 'keys generate',
    summary: 'make a new key',
    args: [],
    options: {
      alg: algOption("the key's algorithm"),
      provider: { type: 'string', value: 'P', help: 'where the key lives: software (default) or pkcs11:SERIAL (made on that token)' },
      words: { type: 'string', value: '12|24', choices: ['12', '24'], help: 'hd-seed: BIP39 words (default 24); a BIP39 passphrase comes from $OWKMS_BIP39_PASSPHRASE' },
      ...POLICY_OPTIONS,
    },
    method: 'keys.generate',
    unlock: true,
    token: (inv) => ({ provider: str(inv, 'provider') }),
    params: async (inv) =>
      defined({
        algorithm: str(inv, 'alg'),
        provider: str(inv, 'provider'),
        words: int(inv, 'words', 12, 24),
        bip39Passphrase: process.env.OWKMS_BIP39_PASSPHRASE,
        ...policyParams(inv),
      }),
  },
  {
    name: 'keys list',
    summary: 'the keys, a page at a time',
    args: [],
    options: {
      limit: { type: 'string', value: 'N', help: 'keys per page (1 to 1000, default 100)', range: [1, 1000] },
      cursor: { type: 'string', value: 'C', help: "where to go on: the previous page's nextCursor" },
    },
    method: 'keys.list',
    unlock: true,
    params: async (inv) => defined({ limit: int(inv, 'limit', 1, 1000), cursor: str(inv, 'cursor') }),
  },
  { name: 'keys show', summary: "one key's information and public key", args: [KEY_ID], options: {}, method: 'keys.get', unlock: true, params: async (inv) => ({ id: inv.positionals[0] }) },
  { name: 'keys delete', summary: 'delete a key', args: [KEY_ID], options: {}, method: 'keys.delete', unlock: true, params: async (inv) => ({ id: inv.positionals[0] }) },
  {
    name: 'keys import',
    summary: 'import a key from stdin (PEM, DER, JWK, raw, BIP39 words), or adopt a key on a token',
    args: [],
    options: {
      format: { type: 'string', value: 'F', choices: ['pkcs8', 'spki', 'jwk', 'raw', 'mnemonic'], help: 'how the key on stdin is written (required unless --provider)' },
      alg: algOption('the algorithm (needed for raw; pkcs8, spki and jwk name their own)', false),
      private: { type: 'boolean', help: 'raw: the bytes are the raw private key' },
      provider: { type: 'string', value: 'pkcs11:SERIAL', help: 'adopt a key that is already on this token' },
      id: { type: 'string', value: 'CKA_ID', help: "with --provider: the key's CKA_ID in hex, or a PIV slot (9a, 9c, 9d, 9e)" },
      ...POLICY_OPTIONS,
    },
    stdin: 'the key (nothing with --provider)',
    notes: IMPORT_NOTES,
    method: 'keys.import',
    unlock: true,
    token: (inv) => ({ provider: str(inv, 'provider') }),
    check: (c) => {
      const inv = c as Invocation;
      const format = str(inv, 'format');
      if (str(inv, 'provider')) {
        if (format || flag(inv, 'private') || str(inv, 'alg')) throw new UsageError('--provider adopts a key on the token: it takes --id, not --format, --alg or --private');
        if (!str(inv, 'id')) throw new UsageError('--provider needs --id CKA_ID (the key on the token)');
        if (flag(inv, 'exportable') || flag(inv, 'allow-raw-agreement')) throw new UsageError('a key on a token never leaves it: --exportable and --allow-raw-agreement do not apply');
        return;
      }
      if (!format) throw new UsageError('keys import needs --format F (pkcs8, spki, jwk, raw, mnemonic), or --provider to adopt a token key');
      if (str(inv, 'id')) throw new UsageError('--id is for --provider');
      if (flag(inv, 'private') && format !== 'raw') throw new UsageError(`--private is for --format raw (${format} says itself whether it is private)`);
      if (format === 'raw' && !str(inv, 'alg')) throw new UsageError('--format raw needs --alg ALG: raw bytes do not say which algorithm they are');
    },
    params: async (inv) => {
      const provider = str(inv, 'provider');
      if (provider) {
        const { exportable: _e, allowRawAgreement: _a, ...policy } = policyParams(inv);
        return defined({ format: 'token', provider, locator: str(inv, 'id'), ...policy });
      }
      const format = str(inv, 'format')!;
      const raw = await inv.stdin();
      let data: unknown;
      try {
        if (format === 'jwk') {
          try {
            data = JSON.parse(raw.toString('utf8'));
          } catch {
            throw new KmsError('INVALID_REQUEST', 'stdin is not a JSON JWK');
          }
        } else data = format === 'mnemonic' ? raw.toString('utf8').trim() : toB64u(raw);
      } finally {
        raw.fill(0);
      }
      const bip39Passphrase = format === 'mnemonic' ? process.env.OWKMS_BIP39_PASSPHRASE : undefined;
      return defined({ format, data, algorithm: str(inv, 'alg'), private: flag(inv, 'private'), bip39Passphrase, ...policyParams(inv) });
    },
  },
  {
    name: 'keys export',
    summary: 'a public key, or (exportable keys) the private key in clear or wrapped',
    args: [KEY_ID],
    options: {
      format: { type: 'string', value: 'F', choices: ['jwk', 'spki', 'raw', 'pkcs8', 'mnemonic'], required: true, help: 'jwk, spki, raw (public), pkcs8 or mnemonic (private, with --private)' },
      private: { type: 'boolean', help: 'the private key (the key must be exportable)' },
      'wrap-with': { type: 'string', value: 'KEY', pattern: KEY_ID_FORM, help: 'export the private key wrapped under this keystore key instead of in clear (use --format raw)' },
      mode: { ...MODE_OPTION, choices: ['kw', 'kwp', 'oaep'], help: 'the wrapping: kw (RFC 3394), kwp (RFC 5649) or oaep (RSA)' },
      pem: { type: 'boolean', help: 'spki and pkcs8 as PEM text ("BEGIN PUBLIC KEY" / "BEGIN PRIVATE KEY"), as openssl reads them' },
    },
    method: 'keys.export',
    unlock: true,
    check: (c) => {
      if (c.options.pem === true && c.options.format !== 'spki' && c.options.format !== 'pkcs8') throw new UsageError('--pem is for --format spki or pkcs8');
      if (c.options.pem === true && c.options['wrap-with'] !== undefined) throw new UsageError('--pem is for keys in clear, not wrapped ones');
    },
    present: (result, options) => {
      if (options.pem !== true) return result;
      const r = result as { format: 'spki' | 'pkcs8'; data: string };
      const pem = toPem(r.format === 'spki' ? 'PUBLIC KEY' : 'PRIVATE KEY', r.data);
      return options.json === true ? { ...r, pem } : pem;
    },
    params: async (inv) => defined({ id: inv.positionals[0], format: str(inv, 'format'), private: flag(inv, 'private'), wrapWith: str(inv, 'wrap-with'), mode: str(inv, 'mode') }),
  },
  {
    name: 'keys derive',
    summary: 'a child key of an hd-seed (BIP32 secp256k1, or SLIP-10 ed25519 with hardened steps only)',
    args: [KEY_ID],
    options: {
      path: { type: 'string', value: 'PATH', required: true, help: "the derivation path, e.g. \"m/44'/60'/0'/0/0\"" },
      child: { type: 'string', value: 'ALG', choices: ['secp256k1', 'ed25519'], help: 'the child key algorithm (default secp256k1)' },
      ...POLICY_OPTIONS,
    },
    method: 'keys.derive',
    unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], path: str(inv, 'path'), child: str(inv, 'child'), ...policyParams(inv) }),
  },
  {
    name: 'keys rotate',
    summary: 'a new version of a symmetric key (older versions still decrypt)',
    args: [KEY_ID],
    options: {},
    method: 'keys.rotate',
    unlock: true,
    params: async (inv) => ({ id: inv.positionals[0] }),
  },
  {
    name: 'keys retire',
    summary: 'stop older versions of a symmetric key from decrypting',
    args: [KEY_ID],
    options: { below: { type: 'string', value: 'VERSION', required: true, help: 'versions below this one are deleted', range: [1, 1_000_000] } },
    method: 'keys.retireVersions',
    unlock: true,
    params: async (inv) => ({ id: inv.positionals[0], below: int(inv, 'below', 1, 1_000_000) }),
  },
  {
    name: 'keys update',
    summary: "change a key's label or policy",
    args: [KEY_ID],
    options: UPDATE_OPTIONS,
    notes: ['Only what is given changes; the rest of the policy stays.'],
    method: 'keys.update',
    unlock: true,
    check: (c) => {
      const inv = c as Invocation;
      for (const [yes, no] of [['exportable', 'not-exportable'], ['approval', 'no-approval'], ['allow-raw-agreement', 'no-raw-agreement']] as const) {
        if (flag(inv, yes) && flag(inv, no)) throw new UsageError(`--${yes} and --${no} contradict each other`);
      }
      const changes = Object.entries(inv.options).filter(([k, v]) => v !== undefined && v !== false && k in (UPDATE_OPTIONS));
      if (changes.length === 0) throw new UsageError('keys update needs something to change (--label or a policy option)');
    },
    params: async (inv) => {
      const both = (yes: string, no: string): boolean | undefined => (flag(inv, yes) ? true : flag(inv, no) ? false : undefined);
      const policy = Object.fromEntries(
        Object.entries({
          purposes: str(inv, 'purposes')?.split(',').map((s) => s.trim()).filter(Boolean),
          callers: str(inv, 'callers')?.split(',').map((s) => s.trim()).filter(Boolean),
          exportable: both('exportable', 'not-exportable'),
          requiresApproval: both('approval', 'no-approval'),
          allowRawAgreement: both('allow-raw-agreement', 'no-raw-agreement'),
        }).filter(([, v]) => v !== undefined),
      );
      const label = str(inv, 'label');
      return { id: inv.positionals[0], ...(label === undefined ? {} : { label }), ...(Object.keys(policy).length ? { policy } : {}) };
    },
  },
];
