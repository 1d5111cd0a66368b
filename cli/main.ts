// owkms: the command line of the OpenWallet KMS (DESIGN.md section 9). It talks to a running agent for the same
// keystore (a session), else spawns the KMS entry as a child process and speaks the protocol to it over stdio as
// caller `cli`, and prints the result. Exit codes: 0 success, 1 an error or a check that failed (an invalid
// signature or tag, a broken audit chain), 2 a usage error.
import { KmsError } from '../kms-process/api/errors.js';
import { KMS_VERSION } from '../kms-process/api/version.js';
import type { ChannelClient } from '../kms-process/client/channelClient.js';
import { runAgent } from './agentCommand.js';
import { runDoctor } from './doctorCommand.js';
import { parseCommandLine, type OptionValues } from './args.js';
import { UsageError, usageLine, type Command, type Invocation } from './command.js';
import { findCommand, readStdin } from './commands.js';
import { commandHelp, groupHelp, mainHelp, rpcHelp } from './help.js';
import { guardOutputPipes, printError, printResult } from './output.js';
import { pkcs11ModulePath } from './pkcs11ModulePath.js';
import { runRpc } from './rpc.js';
import { readSecret, secretGiven, type SecretSource } from './secrets.js';
import { runServe } from './serve/serveCommand.js';
import { openKms, openOwnKms } from './session.js';
import { defaultStoreDir } from './storePath.js';

export const EXIT = { OK: 0, FAILED: 1, USAGE: 2 } as const;

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

/** A word as a POSIX shell reads it back, for commands suggested in messages. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The KMS's NOT_INITIALIZED, said with the store this run used and the command that makes one. */
function noKeystore(e: KmsError, storeDir: string, storeGiven: boolean): KmsError {
  const init = `owkms${storeGiven ? ` --store ${shellWord(storeDir)}` : ''} init --seal passphrase`;
  return new KmsError('NOT_INITIALIZED', `no keystore at ${storeDir} (nothing was created there): make one with \`${init}\``, { cause: e });
}

async function run(parsed: { command?: Command; rest: string[]; values: OptionValues }): Promise<number> {
  const { command, values } = parsed;
  const json = values.json === true;
  const passphraseSrc = { env: 'OWKMS_PASSPHRASE', file: values['passphrase-file'] as string | undefined, what: 'Passphrase' };
  const newPassphraseSrc = { env: 'OWKMS_NEW_PASSPHRASE', what: 'New passphrase' };
  const pinSrc = { env: 'OWKMS_PIN', file: values['pin-file'] as string | undefined, what: 'PIN' };
  const secrets = new SecretCache({ passphrase: passphraseSrc, 'new-passphrase': newPassphraseSrc, pin: pinSrc });
  const storeDir = (values.store as string | undefined) ?? defaultStoreDir();
  if (command?.local === 'module-path') {
    process.stdout.write((json ? JSON.stringify({ path: pkcs11ModulePath() }) : pkcs11ModulePath()) + '\n');
    return EXIT.OK;
  }
  if (command?.local === 'agent') {
    try {
      return await runAgent({ storeDir, socket: values.socket as string | undefined, lockAfter: values['lock-after'] as string | undefined, json, passphrase: passphraseSrc, pin: pinSrc });
    } catch (e) {
      printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms agent'), json);
      return EXIT.FAILED;
    }
  }
  if (command?.local === 'doctor') {
    return runDoctor({ storeDir, salvageTo: values['salvage-to'] as string | undefined, json, passphrase: passphraseSrc, pin: pinSrc });
  }
  const isServe = command?.local === 'serve';
  // init and restore are the commands that make a keystore: the folder is made here, since the sandboxed KMS cannot.
  const makesStore = command?.name === 'init' || command?.name === 'restore';
  // A TPM named by --tcti must be reachable through the KMS's sandbox in this run (later runs find it in the store);
  // likewise the KMIP server that `remote add` names (remotes.add records it in the store for later runs).
  const tcti = typeof values.tcti === 'string' ? [values.tcti] : [];
  const connect = command?.name === 'remote add' ? [`${values.host as string}:${values.port as string}`] : [];
  const sandbox = tcti.length + connect.length > 0 ? { tctis: tcti, connect } : undefined;
  // A running agent for this keystore (a session), else a KMS of this process (one-shot). `serve` always runs its
  // own KMS, which also speaks for the WebKMS clients (caller rest).
  let kms;
  let pendingDiscard: (() => void) | undefined;
  try {
    kms = isServe
      ? await openOwnKms(storeDir, { callers: ['cli', 'rest'], holder: 'owkms serve', ...(sandbox ? { sandbox } : {}) })
      : await openKms(storeDir, { ...(sandbox ? { sandbox } : {}), createStore: makesStore });
  } catch (e) {
    printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms'), json);
    return EXIT.FAILED;
  }
  try {
    const client = kms.client;
    const used: { passphrase?: string; pin?: string } = {};
    // rpc reads the protocol from stdin, so it only unlocks with secrets given without asking.
    const needsUnlock = command ? command.unlock : secretGiven(passphraseSrc) || secretGiven(pinSrc);
    if (needsUnlock) {
      const status = await client.call('kms.status', { probe: false });
      if (status.state === 'uninitialized' && command) throw new KmsError('NOT_INITIALIZED', 'the keystore is not initialized');
      if (status.state === 'locked') {
        // What the keystore needs (asked for if not given), plus whatever was given without asking: with policy `any`
        // a passphrase set in the environment still opens the keystore when the TPM or keychain is not there.
        for (const need of status.unlockNeeds ?? []) used[need] = await secrets.get(need);
        if (!used.passphrase && secretGiven(passphraseSrc)) used.passphrase = await secrets.get('passphrase');
        if (!used.pin && secretGiven(pinSrc)) used.pin = await secrets.get('pin');
        await client.call('kms.unlock', used);
      }
    }
    if (!command) {
      await runRpc(client);
      return EXIT.OK;
    }
    if (isServe) {
      await runServe(client, { storeDir, port: values.port as string | undefined, controllers: (values.controller as string[] | undefined) ?? [], json });
      return EXIT.OK;
    }
    const inv: Invocation = {
      positionals: parsed.rest,
      options: values,
      stdin: () => readStdin(command.stdin),
      secret: (what, confirm) => secrets.get(what, confirm),
      // The secrets that unlocked this run; none when a TPM or keychain alone unlocked (then none is needed).
      currentSecrets: async () => used,
    };
    await loginToToken(client, command, inv, secrets);
    const params = await command.params(inv);
    const result = await client.callUnchecked(command.method!, params);
    const shown = command.present ? command.present(result, values) : result;
    if (typeof shown === 'string' && !json) process.stdout.write(shown);
    else printResult(shown, json);
    return command.failed?.(result) ? EXIT.FAILED : EXIT.OK;
  } catch (e) {
    // A refused init or restore leaves no folder behind (the KMS has removed its files; the folders were made here).
    if (makesStore) pendingDiscard = kms.discardMadeStore;
    if (e instanceof UsageError) throw e;
    let err = e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms');
    if (err.kind === 'NOT_INITIALIZED') err = noKeystore(err, storeDir, values.store !== undefined);
    printError(err, json);
    return EXIT.FAILED;
  } finally {
    await kms.close();
    pendingDiscard?.();
  }
}

function reportUsage(e: UsageError, json: boolean): number {
  if (json) {
    process.stdout.write(JSON.stringify({ error: { kind: 'INVALID_REQUEST', message: e.message } }) + '\n');
    return EXIT.USAGE;
  }
  const found = e.command ? findCommand(e.command.split(' ')) : undefined;
  const hint = found ? `usage: owkms ${usageLine(found.command)}\n(owkms help ${e.command} describes every option)` : '(owkms --help lists the commands)';
  process.stderr.write(`owkms: ${e.message}\n${hint}\n`);
  return EXIT.USAGE;
}

export async function main(argv: string[]): Promise<number> {
  guardOutputPipes();
  const json = argv.includes('--json');
  try {
    const parsed = parseCommandLine(argv);
    switch (parsed.kind) {
      case 'help': {
        const t = parsed.topic;
        const text = t === 'main' ? mainHelp() : t === 'rpc' ? rpcHelp() : 'group' in t ? groupHelp(t.group) : commandHelp(t);
        process.stdout.write(text + '\n');
        return EXIT.OK;
      }
      case 'version':
        process.stdout.write(`owkms ${KMS_VERSION}\n`);
        return EXIT.OK;
      case 'rpc':
        return await run({ rest: [], values: parsed.values });
      case 'command':
        return await run(parsed);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      if (/^no command given$/.test(e.message) && !json) {
        process.stderr.write(`owkms: no command given\n\n${mainHelp()}\n`);
        return EXIT.USAGE;
      }
      return reportUsage(e, json);
    }
    printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms'), json);
    return EXIT.FAILED;
  }
}
