// owkms: the command line of the OpenWallet KMS (DESIGN.md section 9). It spawns the KMS entry as a child process,
// speaks the protocol to it over stdio as caller `cli`, and prints the result.
import { parseArgs } from 'node:util';
import { KmsError } from '../kms-process/api/errors.js';
import { COMMANDS, findCommand, readStdin, type Command, type Invocation } from './commands.js';
import type { ChannelClient } from '../kms-process/client/channelClient.js';
import { printError, printResult } from './output.js';
import { runRpc } from './rpc.js';
import { runServe, SERVE_OPTIONS } from './serve/serveCommand.js';
import { readSecret, secretGiven, type SecretSource } from './secrets.js';
import { defaultStoreDir } from './storePath.js';
import { runAgent } from './agentCommand.js';
import { DOCTOR_USAGE, runDoctor } from './doctorCommand.js';
import { pkcs11ModulePath } from './pkcs11ModulePath.js';
import { SERVICE_USAGE } from './serviceCommands.js';
import { openKms, openOwnKms } from './session.js';

const GLOBAL = ['store', 'json', 'passphrase-file', 'pin-file', 'help'];

const OPTIONS = {
  store: { type: 'string' },
  json: { type: 'boolean' },
  'passphrase-file': { type: 'string' },
  'pin-file': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  seal: { type: 'string', multiple: true },
  'unlock-policy': { type: 'string' },
  tcti: { type: 'string' },
  alg: { type: 'string' },
  label: { type: 'string' },
  provider: { type: 'string' },
  exportable: { type: 'boolean' },
  approval: { type: 'boolean' },
  purposes: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  format: { type: 'string' },
  private: { type: 'boolean' },
  scheme: { type: 'string' },
  hash: { type: 'string' },
  prehashed: { type: 'boolean' },
  signature: { type: 'string' },
  mode: { type: 'string' },
  aad: { type: 'string' },
  iv: { type: 'string' },
  tag: { type: 'string' },
  mac: { type: 'string' },
  id: { type: 'string' },
  words: { type: 'string' },
  'wrap-with': { type: 'string' },
  path: { type: 'string' },
  child: { type: 'string' },
  below: { type: 'string' },
  header: { type: 'string' },
  peer: { type: 'string' },
  'derive-alg': { type: 'string' },
  raw: { type: 'boolean' },
  key: { type: 'string' },
  wrapped: { type: 'string' },
  ciphertext: { type: 'string' },
  'key-version': { type: 'string' },
  socket: { type: 'string' },
  'lock-after': { type: 'string' },
  callers: { type: 'string' },
  // remote add|list (issue 15)
  host: { type: 'string' },
  port: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  'kmip-version': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'no-check': { type: 'boolean' },
  // backup, restore, doctor (issue 13)
  out: { type: 'string' },
  in: { type: 'string' },
  'backup-passphrase-file': { type: 'string' },
  'salvage-to': { type: 'string' },
  probe: { type: 'boolean' },
  // serve --webkms (issue 15)
  webkms: { type: 'boolean' },
  controller: { type: 'string', multiple: true },
} as const;

export function usage(): string {
  return [
    'usage: owkms [--store DIR] [--json] [--passphrase-file F] [--pin-file F] COMMAND ...',
    '',
    'The keystore is --store DIR, else $OWKMS_STORE, else the desktop app\'s data folder.',
    'Secrets never come from arguments: $OWKMS_PASSPHRASE / --passphrase-file / a prompt; $OWKMS_PIN / --pin-file.',
    'Data to sign, encrypt or mac is read raw from stdin; bytes in output are base64url.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.usage}`),
    '  rpc                      JSON-RPC 2.0 lines on stdin, answers on stdout (caller cli)',
    ...SERVICE_USAGE.map((u) => `  ${u}`),
    `  ${DOCTOR_USAGE}`,
    '',
    'With an agent running for the same keystore ($OWKMS_SOCKET, $OWKMS_SESSION), commands go to it instead of a KMS of their own.',
    '  serve --webkms [--port N] --controller DID [--controller ...]   WebKMS on https://127.0.0.1 (caller rest) until SIGINT',
  ].join('\n');
}

class UsageError extends Error {}

/**
 * Base64url words (key ids, IVs, tags, MACs, signatures) begin with '-' one time in 64, and parseArgs takes them for
 * options. A string option takes the next word as its value whatever it starts with (as getopt does), and a word
 * with one leading dash (owkms has no short option but -h), or a 22-character key id with two that names no
 * option, is an argument: it is hidden from parseArgs behind a placeholder and put back afterwards, in its place.
 */
function shieldDashWords(argv: readonly string[]): { args: string[]; restore: (positionals: string[]) => string[] } {
  const args: string[] = [];
  const hidden: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const option = word.startsWith('--') ? (OPTIONS as Record<string, { type: string }>)[word.slice(2)] : undefined;
    const next = argv[i + 1];
    if (option?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '--') {
      args.push(`${word}=${next}`);
      i++;
    } else if ((/^-[^-]/.test(word) && word !== '-h') || (/^--[A-Za-z0-9_-]{20}$/.test(word) && !option)) {
      args.push(`\u0000${hidden.length}`);
      hidden.push(word);
    } else args.push(word);
  }
  const restore = (positionals: string[]) => positionals.map((p) => (p.startsWith('\u0000') ? (hidden[Number(p.slice(1))] ?? p) : p));
  return { args, restore };
}

/** Each secret asked for at most once per run (a PIN used to unlock is the one used to log in). */
class SecretCache {
  private readonly values = new Map<string, string>();
  constructor(private readonly sources: Record<'passphrase' | 'new-passphrase' | 'pin', SecretSource>) {}
  async get(what: 'passphrase' | 'new-passphrase' | 'pin', confirm = false): Promise<string> {
    let v = this.values.get(what);
    if (v === undefined) {
      v = await readSecret(this.sources[what], confirm);
      this.values.set(what, v);
    }
    return v;
  }
}

/** Commands that use a key on a PKCS#11 token log in to that token first, in the same KMS process. */
async function loginToToken(client: ChannelClient, command: Command, inv: Invocation, secrets: SecretCache): Promise<void> {
  const target = command.token?.(inv);
  if (!target) return;
  let provider = target.provider;
  if (!provider && target.keyId) {
    try {
      provider = (await client.call('keys.get', { id: target.keyId })).provider;
    } catch {
      return; // the command itself reports the missing or malformed key
    }
  }
  if (provider?.startsWith('pkcs11:')) await client.call('tokens.login', { token: provider.slice(7), pin: await secrets.get('pin') });
}

async function run(argv: string[]): Promise<number> {
  let parsed;
  const shield = shieldDashWords(argv);
  try {
    parsed = parseArgs({ args: shield.args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values } = parsed;
  const positionals = shield.restore(parsed.positionals);
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage() + '\n');
    return values.help ? 0 : 2;
  }
  const json = values.json === true;
  // The local service's own commands (issue 16): no KMS of this process behind them.
  const serviceCommand = positionals[0] === 'agent' ? 'agent' : positionals.join(' ') === 'pkcs11 module-path' ? 'module-path' : undefined;
  if (serviceCommand) {
    const allowed = new Set([...GLOBAL, ...(serviceCommand === 'agent' ? ['socket', 'lock-after'] : [])]);
    for (const k of Object.keys(values)) if (!allowed.has(k)) throw new UsageError(`${positionals.join(' ')} does not take --${k}`);
    if (serviceCommand === 'agent' && positionals.length !== 1) throw new UsageError(`usage: owkms ${SERVICE_USAGE[0]}`);
  }
  if (serviceCommand === 'module-path') {
    process.stdout.write((json ? JSON.stringify({ path: pkcs11ModulePath() }) : pkcs11ModulePath()) + '\n');
    return 0;
  }
  if (serviceCommand === 'agent') {
    try {
      return await runAgent({
        storeDir: values.store ?? defaultStoreDir(),
        socket: values.socket,
        lockAfter: values['lock-after'],
        json,
        passphrase: { env: 'OWKMS_PASSPHRASE', file: values['passphrase-file'], what: 'Passphrase' },
        pin: { env: 'OWKMS_PIN', file: values['pin-file'], what: 'PIN' },
      });
    } catch (e) {
      printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms agent'), json);
      return 1;
    }
  }
  if (positionals[0] === 'doctor') {
    // A KMS of its own, whose sandbox may write the salvage folder (issue 13).
    for (const k of Object.keys(values)) if (![...GLOBAL, 'salvage-to'].includes(k)) throw new UsageError(`doctor does not take --${k}`);
    if (positionals.length !== 1) throw new UsageError(`usage: owkms ${DOCTOR_USAGE}`);
    return runDoctor({
      storeDir: values.store ?? defaultStoreDir(),
      salvageTo: values['salvage-to'],
      json,
      passphrase: { env: 'OWKMS_PASSPHRASE', file: values['passphrase-file'], what: 'Passphrase' },
      pin: { env: 'OWKMS_PIN', file: values['pin-file'], what: 'PIN' },
    });
  }
  const isRpc = positionals[0] === 'rpc';
  const isServe = positionals[0] === 'serve';
  if (isServe) {
    if (values.webkms !== true || positionals.length !== 1) throw new UsageError('usage: owkms serve --webkms [--port N] --controller DID');
    for (const k of Object.keys(values)) if (![...GLOBAL, ...SERVE_OPTIONS].includes(k)) throw new UsageError(`serve does not take --${k}`);
  }
  const found = isRpc || isServe ? undefined : findCommand(positionals);
  if (!isRpc && !isServe && !found) throw new UsageError(`unknown command '${positionals.slice(0, 2).join(' ')}'`);
  if (found) {
    const allowed = new Set([...GLOBAL, ...found.command.options]);
    for (const k of Object.keys(values)) if (!allowed.has(k)) throw new UsageError(`${found.command.name} does not take --${k}`);
    if (found.rest.length !== found.command.args) throw new UsageError(`usage: owkms ${found.command.usage}`);
  }
  const passphraseSrc = { env: 'OWKMS_PASSPHRASE', file: values['passphrase-file'], what: 'Passphrase' };
  const newPassphraseSrc = { env: 'OWKMS_NEW_PASSPHRASE', what: 'New passphrase' };
  const pinSrc = { env: 'OWKMS_PIN', file: values['pin-file'], what: 'PIN' };
  const secrets = new SecretCache({ passphrase: passphraseSrc, 'new-passphrase': newPassphraseSrc, pin: pinSrc });
  const storeDir = values.store ?? defaultStoreDir();
  // A TPM named by --tcti must be reachable through the KMS's sandbox in this run (later runs find it in the store).
  // Likewise the KMIP server that `remote add` names (remotes.add records it in the store for later runs).
  const connect = found?.command.name === 'remote add' && typeof values.host === 'string' && typeof values.port === 'string' ? [`${values.host}:${values.port}`] : [];
  const sandbox = typeof values.tcti === 'string' || connect.length > 0 ? { tctis: typeof values.tcti === 'string' ? [values.tcti] : [], connect } : undefined;
  // A running agent for this keystore (a session), else a KMS of this process (one-shot). `serve` always runs its
  // own KMS, which also speaks for the WebKMS clients (caller rest).
  const kms = isServe
    ? await openOwnKms(storeDir, { callers: ['cli', 'rest'], holder: 'owkms serve', ...(sandbox ? { sandbox } : {}) })
    : await openKms(storeDir, sandbox);
  try {
    const client = kms.client;
    const used: { passphrase?: string; pin?: string } = {};
    // rpc reads the protocol from stdin, so it only unlocks with secrets given without asking.
    const needsUnlock = isRpc ? secretGiven(passphraseSrc) || secretGiven(pinSrc) : isServe || found!.command.unlock;
    if (needsUnlock) {
      const status = await client.call('kms.status', { probe: false });
      if (status.state === 'locked') {
        // What the keystore needs (asked for if not given), plus whatever was given without asking: with policy `any`
        // a passphrase set in the environment still opens the keystore when the TPM or keychain is not there.
        for (const need of status.unlockNeeds ?? []) used[need] = await secrets.get(need);
        if (!used.passphrase && secretGiven(passphraseSrc)) used.passphrase = await secrets.get('passphrase');
        if (!used.pin && secretGiven(pinSrc)) used.pin = await secrets.get('pin');
        await client.call('kms.unlock', used);
      }
    }
    if (isRpc) {
      await runRpc(client);
      return 0;
    }
    if (isServe) {
      await runServe(client, { storeDir, port: values.port, controllers: values.controller ?? [], json });
      return 0;
    }
    const inv: Invocation = {
      positionals: found!.rest,
      options: values as Invocation['options'],
      stdin: () => readStdin(),
      secret: (what, confirm) => secrets.get(what, confirm),
      // The secrets that unlocked this run; none when a TPM or keychain alone unlocked (then none is needed).
      currentSecrets: async () => used,
    };
    await loginToToken(client, found!.command, inv, secrets);
    const params = await found!.command.params(inv);
    const result = await client.callUnchecked(found!.command.method, params);
    printResult(found!.command.output ? await found!.command.output(result, inv) : result, json);
    return 0;
  } catch (e) {
    printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms'), json);
    return 1;
  } finally {
    await kms.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    return await run(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      if (json) process.stdout.write(JSON.stringify({ error: { kind: 'INVALID_REQUEST', message: e.message } }) + '\n');
      else process.stderr.write(`owkms: ${e.message}\n(owkms --help lists the commands)\n`);
      return 2;
    }
    printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms'), json);
    return 1;
  }
}
