// owkms: the command line of the OpenWallet KMS (DESIGN.md section 9). It spawns the KMS entry as a child process,
// speaks the protocol to it over stdio as caller `cli`, and prints the result.
import { parseArgs } from 'node:util';
import { KmsError } from '../kms-process/api/index.js';
import { KmsHost } from '../kms-process/client/kmsHost.js';
import { COMMANDS, findCommand, readStdin, type Invocation } from './commands.js';
import { printError, printResult } from './output.js';
import { runRpc } from './rpc.js';
import { readSecret, secretGiven } from './secrets.js';
import { defaultStoreDir } from './storePath.js';

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
  ].join('\n');
}

class UsageError extends Error {}

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    process.stdout.write(usage() + '\n');
    return values.help ? 0 : 2;
  }
  const json = values.json === true;
  const isRpc = positionals[0] === 'rpc';
  const found = isRpc ? undefined : findCommand(positionals);
  if (!isRpc && !found) throw new UsageError(`unknown command '${positionals.slice(0, 2).join(' ')}'`);
  if (found) {
    const allowed = new Set([...GLOBAL, ...found.command.options]);
    for (const k of Object.keys(values)) if (!allowed.has(k)) throw new UsageError(`${found.command.name} does not take --${k}`);
    if (found.rest.length !== found.command.args) throw new UsageError(`usage: owkms ${found.command.usage}`);
  }
  const passphraseSrc = { env: 'OWKMS_PASSPHRASE', file: values['passphrase-file'], what: 'Passphrase' };
  const pinSrc = { env: 'OWKMS_PIN', file: values['pin-file'], what: 'PIN' };
  const storeDir = values.store ?? defaultStoreDir();
  const host = await KmsHost.start({ storeDir, transport: 'stdio', callers: ['cli'], holder: 'owkms cli', stderr: 'inherit' });
  try {
    const client = host.client;
    const needsUnlock = isRpc ? secretGiven(passphraseSrc) : found!.command.unlock;
    if (needsUnlock) {
      const status = await client.call('kms.status', {});
      if (status.state === 'locked') {
        await client.call('kms.unlock', { passphrase: await readSecret(passphraseSrc) });
      }
    }
    if (isRpc) {
      await runRpc(host);
      return 0;
    }
    const inv: Invocation = {
      positionals: found!.rest,
      options: values as Invocation['options'],
      stdin: () => readStdin(),
      secret: (what, confirm) => readSecret(what === 'pin' ? pinSrc : passphraseSrc, confirm),
    };
    const params = await found!.command.params(inv);
    const result = await client.callUnchecked(found!.command.method, params);
    printResult(result, json);
    return 0;
  } catch (e) {
    printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms'), json);
    return 1;
  } finally {
    await host.stop();
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
