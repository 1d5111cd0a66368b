// The owkms commands (DESIGN.md section 9), in the order `owkms --help` lists them, and the global options.
import { MAX_DATA_BYTES, KmsError } from '../kms-process/api/index.js';
import type { Command, OptionSpec } from './command.js';
import { CRYPTO_COMMANDS } from './cryptoCommands.js';
import { ETH_COMMANDS } from './ethCommands.js';
import { KEY_COMMANDS } from './keyCommands.js';
import { REMOTE_COMMANDS } from './remoteCommands.js';
import { LOCAL_COMMANDS, SERVICE_COMMANDS } from './serviceCommands.js';
import { STORE_COMMANDS } from './storeCommands.js';
import { WALLET_COMMANDS } from './walletCommands.js';
import { BACKUP_COMMANDS } from './backupCommands.js';
import { DOCTOR_COMMAND } from './doctorCommand.js';

export type { Command, Invocation } from './command.js';

export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  store: { type: 'string', value: 'DIR', help: "the keystore folder (default $OWKMS_STORE, else the desktop app's data folder)" },
  json: { type: 'boolean', help: 'print exactly one JSON value: the result, or {"error": {"kind", "message"}}' },
  'passphrase-file': { type: 'string', value: 'F', help: 'read the passphrase from this file (else $OWKMS_PASSPHRASE, else a prompt)' },
  'pin-file': { type: 'string', value: 'F', help: 'read a token or TPM PIN from this file (else $OWKMS_PIN, else a prompt)' },
  help: { type: 'boolean', help: 'describe owkms, or the command it follows' },
  version: { type: 'boolean', help: "print owkms's version" },
};

const byName = new Map(
  [...STORE_COMMANDS, ...KEY_COMMANDS, ...CRYPTO_COMMANDS, ...ETH_COMMANDS, ...REMOTE_COMMANDS, ...WALLET_COMMANDS, ...SERVICE_COMMANDS, ...LOCAL_COMMANDS, ...BACKUP_COMMANDS, DOCTOR_COMMAND].map((c) => [c.name, c]),
);
const ORDER = [
  'init', 'status',
  'keys generate', 'keys list', 'keys show', 'keys import', 'keys export', 'keys derive', 'keys update', 'keys rotate', 'keys retire', 'keys delete',
  'sign', 'verify', 'verify-public', 'jws', 'encrypt', 'decrypt', 'mac', 'mac-verify', 'agree', 'wrap', 'unwrap', 'encapsulate', 'decapsulate', 'batch', 'random',
  'eth sign-tx', 'eth sign-typed-data',
  'tokens list', 'tokens login', 'sealers set', 'audit list', 'audit verify', 'backup', 'restore', 'doctor',
  'remote add', 'remote list', 'remote remove', 'wallet export', 'wallet import',
  'agent', 'lock', 'unlock', 'pkcs11 set-pin', 'pkcs11 module-path', 'serve',
];
export const COMMANDS: readonly Command[] = ORDER.map((n) => byName.get(n)!);
if (COMMANDS.length !== byName.size || COMMANDS.some((c) => !c)) throw new Error('owkms: a command is missing from ORDER');

/** Words that start two-word commands ("keys generate"), and their second words. */
export const GROUPS: ReadonlyMap<string, string[]> = COMMANDS.reduce((m, c) => {
  const [group, sub] = c.name.split(' ');
  if (sub) m.set(group!, [...(m.get(group!) ?? []), sub]);
  return m;
}, new Map<string, string[]>());

/** The command named by the leading positionals (two words first). */
export function findCommand(positionals: readonly string[]): { command: Command; rest: string[] } | undefined {
  for (const words of [2, 1]) {
    if (positionals.length < words) continue;
    const command = byName.get(positionals.slice(0, words).join(' '));
    if (command) return { command, rest: positionals.slice(words) };
  }
  return undefined;
}

/** All of stdin; on a terminal, first a line on stderr saying that input is awaited and how to end it. */
export async function readStdin(what = 'the data', limit = MAX_DATA_BYTES): Promise<Buffer> {
  if (process.stdin.isTTY) process.stderr.write(`owkms: reading ${what} from the terminal; end with Ctrl-D (or pipe it in)\n`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new KmsError('INVALID_REQUEST', `stdin is larger than ${limit} bytes`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
