// The owkms commands (DESIGN.md section 9): each maps its arguments and stdin to one KMS method's params.
import { toB64u } from '../kms-process/api/bytes.js';
import { KmsError } from '../kms-process/api/errors.js';
import { MAX_DATA_BYTES } from '../kms-process/api/limits.js';
import type { MethodName, SealerEnrolment } from '../kms-process/api/index.js';
import { callersOption, SERVICE_COMMANDS } from './serviceCommands.js';
import { REMOTE_COMMANDS } from './remoteCommands.js';
import { WALLET_COMMANDS } from './walletCommands.js';
import { BACKUP_COMMANDS } from './backupCommands.js';

export interface Invocation {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  stdin: () => Promise<Buffer>;
  secret: (what: 'passphrase' | 'new-passphrase' | 'pin', confirm?: boolean) => Promise<string>;
  /** The secrets that unlocked the keystore in this run (to re-authenticate a sealer change). */
  currentSecrets: () => Promise<{ passphrase?: string; pin?: string }>;
}

export interface Command {
  /** e.g. "keys generate" */
  name: string;
  usage: string;
  method: MethodName;
  /** Options this command takes (besides the global ones). */
  options: readonly string[];
  /** Number of positional arguments after the command words. */
  args: number;
  /** The keystore must be unlocked first. */
  unlock: boolean;
  /** A PKCS#11 token this command uses (logged in to first, with the PIN), if any: `pkcs11:SERIAL` or a key id. */
  token?: (inv: Invocation) => { provider?: string | undefined; keyId?: string | undefined };
  params(inv: Invocation): Promise<Record<string, unknown>>;
  /** What to do with the result before it is printed (owkms backup writes the file and prints a summary). */
  output?(result: unknown, inv: Invocation): Promise<unknown>;
}

function str(inv: Invocation, name: string): string | undefined {
  const v = inv.options[name];
  return typeof v === 'string' ? v : undefined;
}

function required(inv: Invocation, name: string): string {
  const v = str(inv, name);
  if (v === undefined) throw new KmsError('INVALID_REQUEST', `--${name} is required`);
  return v;
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false));
}

async function data(inv: Invocation): Promise<string> {
  return toB64u(await inv.stdin());
}

/** `--purposes sign,verify`: a key that wraps is made with `--purposes wrap,unwrap` (it then does nothing else). */
function purposes(inv: Invocation): string[] | undefined {
  const v = str(inv, 'purposes');
  return v === undefined ? undefined : v.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

const signOpts = (inv: Invocation) => ({
  scheme: str(inv, 'scheme'),
  hash: str(inv, 'hash'),
  prehashed: inv.options.prehashed === true,
  format: str(inv, 'format'),
});

export async function sealers(inv: Invocation, newPassphrase = false): Promise<SealerEnrolment[]> {
  const kinds = (inv.options.seal as string[] | undefined) ?? ['passphrase'];
  const out: SealerEnrolment[] = [];
  for (const k of kinds) {
    if (k === 'passphrase') out.push({ kind: 'passphrase', passphrase: await inv.secret(newPassphrase ? 'new-passphrase' : 'passphrase', true) });
    else if (k === 'tpm') out.push(defined({ kind: 'tpm', tcti: str(inv, 'tcti') }) as SealerEnrolment);
    else if (k === 'keychain') out.push({ kind: 'keychain' });
    else if (k.startsWith('pkcs11:')) out.push({ kind: 'pkcs11', token: k.slice(7), pin: await inv.secret('pin') });
    else throw new KmsError('INVALID_REQUEST', `unknown sealer '${k}' (passphrase, tpm, keychain, pkcs11:TOKEN)`);
  }
  return out;
}

export const COMMANDS: readonly Command[] = [
  { name: 'init', usage: 'init --seal passphrase|keychain|tpm|pkcs11:TOKEN [--seal ...] [--unlock-policy any|all] [--tcti T]', method: 'kms.init', options: ['seal', 'unlock-policy', 'tcti'], args: 0, unlock: false,
    params: async (inv) => defined({ sealers: await sealers(inv), unlockPolicy: str(inv, 'unlock-policy') }) },
  { name: 'status', usage: 'status', method: 'kms.status', options: [], args: 0, unlock: false, params: async () => ({}) },
  { name: 'keys generate', usage: 'keys generate --alg ALG [--label L] [--provider software|pkcs11:SERIAL|kmip:NAME] [--purposes P,P] [--exportable] [--approval] [--callers app,pkcs11] [--words 12|24] (hd-seed; BIP39 passphrase from $OWKMS_BIP39_PASSPHRASE)', method: 'keys.generate', options: ['alg', 'label', 'provider', 'purposes', 'exportable', 'approval', 'words', 'callers'], args: 0, unlock: true,
    token: (inv) => ({ provider: str(inv, 'provider') }),
    params: async (inv) => defined({
      algorithm: required(inv, 'alg'),
      label: str(inv, 'label'),
      provider: str(inv, 'provider'),
      purposes: purposes(inv),
      exportable: inv.options.exportable === true,
      requiresApproval: inv.options.approval === true,
      callers: callersOption(inv),
      words: str(inv, 'words') === undefined ? undefined : Number(str(inv, 'words')),
      bip39Passphrase: process.env.OWKMS_BIP39_PASSPHRASE,
    }) },
  { name: 'keys list', usage: 'keys list [--limit N] [--cursor C]', method: 'keys.list', options: ['limit', 'cursor'], args: 0, unlock: true,
    params: async (inv) => defined({ limit: str(inv, 'limit') === undefined ? undefined : Number(str(inv, 'limit')), cursor: str(inv, 'cursor') }) },
  { name: 'keys show', usage: 'keys show ID', method: 'keys.get', options: [], args: 1, unlock: true, params: async (inv) => ({ id: inv.positionals[0] }) },
  { name: 'keys delete', usage: 'keys delete ID', method: 'keys.delete', options: [], args: 1, unlock: true, params: async (inv) => ({ id: inv.positionals[0] }) },
  { name: 'keys import', usage: 'keys import --format jwk|pkcs8|spki|raw|mnemonic [--alg ALG] [--label L] [--purposes P,P] [--exportable] (key on stdin)\n  keys import --provider pkcs11:SERIAL --id HEX_CKA_ID|PIV_SLOT [--label L]', method: 'keys.import', options: ['format', 'alg', 'label', 'purposes', 'exportable', 'approval', 'provider', 'id'], args: 0, unlock: true,
    token: (inv) => ({ provider: str(inv, 'provider') }),
    params: async (inv) => {
      const provider = str(inv, 'provider');
      if (provider) return defined({ format: 'token', provider, locator: required(inv, 'id'), label: str(inv, 'label'), purposes: purposes(inv), requiresApproval: inv.options.approval === true });
      const format = required(inv, 'format');
      const raw = await inv.stdin();
      let payload: unknown;
      if (format === 'jwk') {
        try {
          payload = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new KmsError('INVALID_REQUEST', 'stdin is not a JSON JWK');
        }
      } else payload = format === 'mnemonic' ? raw.toString('utf8').trim() : toB64u(raw);
      raw.fill(0);
      const bip39Passphrase = format === 'mnemonic' ? process.env.OWKMS_BIP39_PASSPHRASE : undefined;
      return defined({ format, data: payload, algorithm: str(inv, 'alg'), label: str(inv, 'label'), purposes: purposes(inv), exportable: inv.options.exportable === true, requiresApproval: inv.options.approval === true, bip39Passphrase });
    } },
  { name: 'keys export', usage: 'keys export ID --format jwk|spki|raw|pkcs8|mnemonic [--private] [--wrap-with KEY [--mode kw|kwp|oaep]]', method: 'keys.export', options: ['format', 'private', 'wrap-with', 'mode'], args: 1, unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], format: required(inv, 'format'), private: inv.options.private === true, wrapWith: str(inv, 'wrap-with'), mode: str(inv, 'mode') }) },
  { name: 'keys derive', usage: "keys derive ID --path \"m/44'/60'/0'/0/0\" [--child secp256k1|ed25519] [--label L]", method: 'keys.derive', options: ['path', 'child', 'label'], args: 1, unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], path: required(inv, 'path'), child: str(inv, 'child'), label: str(inv, 'label') }) },
  { name: 'keys rotate', usage: 'keys rotate ID (symmetric keys: a new version; older versions still decrypt)', method: 'keys.rotate', options: [], args: 1, unlock: true,
    params: async (inv) => ({ id: inv.positionals[0] }) },
  { name: 'keys retire', usage: 'keys retire ID --below VERSION (older versions stop decrypting)', method: 'keys.retireVersions', options: ['below'], args: 1, unlock: true,
    params: async (inv) => ({ id: inv.positionals[0], below: Number(required(inv, 'below')) }) },
  { name: 'sign', usage: 'sign ID [--scheme S] [--hash H] [--prehashed] [--format F] (data on stdin)', method: 'crypto.sign', options: ['scheme', 'hash', 'prehashed', 'format'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => defined({ id: inv.positionals[0], data: await data(inv), ...signOpts(inv) }) },
  { name: 'verify', usage: 'verify ID --signature SIG [--scheme S] [--hash H] [--prehashed] [--format F] (data on stdin)', method: 'crypto.verify', options: ['signature', 'scheme', 'hash', 'prehashed', 'format'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => defined({ id: inv.positionals[0], signature: required(inv, 'signature'), data: await data(inv), ...signOpts(inv) }) },
  { name: 'encrypt', usage: 'encrypt ID [--mode M] [--aad A] [--iv IV] (plaintext on stdin)', method: 'crypto.encrypt', options: ['mode', 'aad', 'iv'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => defined({ id: inv.positionals[0], data: await data(inv), mode: str(inv, 'mode'), aad: str(inv, 'aad'), iv: str(inv, 'iv') }) },
  { name: 'decrypt', usage: 'decrypt ID --iv IV [--tag T] [--mode M] [--aad A] [--key-version N] (ciphertext on stdin)', method: 'crypto.decrypt', options: ['mode', 'aad', 'iv', 'tag', 'key-version'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => defined({ id: inv.positionals[0], data: await data(inv), mode: str(inv, 'mode'), aad: str(inv, 'aad'), iv: str(inv, 'iv'), tag: str(inv, 'tag'), version: str(inv, 'key-version') === undefined ? undefined : Number(str(inv, 'key-version')) }) },
  { name: 'mac', usage: 'mac ID (data on stdin)', method: 'crypto.mac', options: [], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => ({ id: inv.positionals[0], data: await data(inv) }) },
  { name: 'mac-verify', usage: 'mac-verify ID --mac MAC (data on stdin)', method: 'crypto.macVerify', options: ['mac'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => ({ id: inv.positionals[0], data: await data(inv), mac: required(inv, 'mac') }) },
  { name: 'jws', usage: 'jws ID [--header JSON] (payload on stdin; prints a compact JWS)', method: 'crypto.signJws', options: ['header'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => {
      let header: unknown;
      try {
        header = str(inv, 'header') === undefined ? undefined : JSON.parse(str(inv, 'header')!);
      } catch {
        throw new KmsError('INVALID_REQUEST', '--header is not JSON');
      }
      return defined({ id: inv.positionals[0], payload: await data(inv), header });
    } },
  { name: 'agree', usage: 'agree ID --peer PUBLIC_KEY_B64U [--derive-alg aes-256|hmac-sha256|...] [--raw]', method: 'crypto.agree', options: ['peer', 'derive-alg', 'raw', 'label'], args: 1, unlock: true,
    token: (inv) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => defined({ id: inv.positionals[0], peerPublicKey: required(inv, 'peer'), raw: inv.options.raw === true, derive: str(inv, 'derive-alg') || str(inv, 'label') ? defined({ algorithm: str(inv, 'derive-alg'), label: str(inv, 'label') }) : undefined }) },
  { name: 'wrap', usage: 'wrap ID --key KEY_ID [--mode kw|kwp|oaep] (wraps KEY_ID under ID)', method: 'crypto.wrapKey', options: ['key', 'mode'], args: 1, unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], keyId: required(inv, 'key'), mode: str(inv, 'mode') }) },
  { name: 'unwrap', usage: 'unwrap ID --alg ALG --wrapped B64U [--mode kw|kwp|oaep] [--label L] (stores the unwrapped key)', method: 'crypto.unwrapKey', options: ['alg', 'wrapped', 'mode', 'label', 'exportable'], args: 1, unlock: true,
    params: async (inv) => defined({ id: inv.positionals[0], algorithm: required(inv, 'alg'), wrapped: required(inv, 'wrapped'), mode: str(inv, 'mode'), label: str(inv, 'label'), exportable: inv.options.exportable === true }) },
  { name: 'encapsulate', usage: 'encapsulate ID (ML-KEM: stores the shared key, prints the ciphertext)', method: 'crypto.encapsulate', options: [], args: 1, unlock: true,
    params: async (inv) => ({ id: inv.positionals[0] }) },
  { name: 'decapsulate', usage: 'decapsulate ID --ciphertext B64U (ML-KEM: stores the shared key)', method: 'crypto.decapsulate', options: ['ciphertext'], args: 1, unlock: true,
    params: async (inv) => ({ id: inv.positionals[0], ciphertext: required(inv, 'ciphertext') }) },
  { name: 'random', usage: 'random LENGTH', method: 'crypto.random', options: [], args: 1, unlock: false,
    params: async (inv) => ({ length: Number(inv.positionals[0]) }) },
  { name: 'tokens list', usage: 'tokens list', method: 'tokens.list', options: [], args: 0, unlock: false, params: async () => ({}) },
  { name: 'tokens login', usage: 'tokens login TOKEN (PIN from $OWKMS_PIN, --pin-file or a prompt; checks the PIN)', method: 'tokens.login', options: [], args: 1, unlock: false,
    params: async (inv) => ({ token: inv.positionals[0], pin: await inv.secret('pin') }) },
  { name: 'sealers set', usage: 'sealers set --seal KIND [--seal ...] [--unlock-policy any|all] [--tcti T] (the new complete set; re-authenticates)', method: 'kms.changeSealers', options: ['seal', 'unlock-policy', 'tcti'], args: 0, unlock: true,
    params: async (inv) => defined({ sealers: await sealers(inv, true), unlockPolicy: str(inv, 'unlock-policy'), ...(await inv.currentSecrets()) }) },
  { name: 'audit list', usage: 'audit list [--limit N] [--cursor C]', method: 'audit.list', options: ['limit', 'cursor'], args: 0, unlock: true,
    params: async (inv) => defined({ limit: str(inv, 'limit') === undefined ? undefined : Number(str(inv, 'limit')), cursor: str(inv, 'cursor') }) },
  { name: 'audit verify', usage: 'audit verify', method: 'audit.verify', options: [], args: 0, unlock: true, params: async () => ({}) },
  ...SERVICE_COMMANDS,
  ...REMOTE_COMMANDS,
  ...WALLET_COMMANDS,
  ...BACKUP_COMMANDS,
];

/** Find the command named by the leading positionals (longest match). */
export function findCommand(positionals: string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    const name = positionals.slice(0, words).join(' ');
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: positionals.slice(words) };
  }
  return undefined;
}

export async function readStdin(limit = MAX_DATA_BYTES): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new KmsError('INVALID_REQUEST', `stdin is larger than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
