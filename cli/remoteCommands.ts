// owkms remote add|list|remove: KMIP servers for `kmip:NAME` keys. The PEM files are read here and sent to the KMS,
// which keeps the client key encrypted in the keystore; the files can be deleted afterwards.
import { readFileSync } from 'node:fs';
import { KmsError } from '../kms-process/api/errors.js';
import { defined, flag, int, str, type ArgSpec, type Command, type Invocation } from './command.js';

const NAME: ArgSpec = { name: 'NAME', help: 'the remote\'s name, as in --provider kmip:NAME', pattern: { re: /^[A-Za-z0-9._-]{1,64}$/, says: '1 to 64 of A-Z a-z 0-9 . _ -' } };

function pemFile(inv: Invocation, option: string): string {
  const path = str(inv, option)!;
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new KmsError('INVALID_REQUEST', `cannot read --${option} ${path}`);
  }
}

export const REMOTE_COMMANDS: readonly Command[] = [
  {
    name: 'remote add',
    summary: 'add a KMIP server for --provider kmip:NAME keys',
    args: [NAME],
    options: {
      host: { type: 'string', value: 'H', required: true, help: 'the server\'s host name or IP address', pattern: { re: /^[A-Za-z0-9.:-]{1,253}$/, says: 'a host name or an IP address' } },
      port: { type: 'string', value: 'P', required: true, range: [1, 65535], help: 'the server\'s port (KMIP: usually 5696)' },
      ca: { type: 'string', value: 'F', required: true, help: 'PEM file of the CA that signed the server\'s certificate' },
      cert: { type: 'string', value: 'F', required: true, help: 'PEM file of our client certificate (extendedKeyUsage clientAuth)' },
      key: { type: 'string', value: 'F', required: true, help: 'PEM file of our client key (kept encrypted in the keystore)' },
      'kmip-version': { type: 'string', value: 'V', choices: ['1.0', '1.1', '1.2', '1.3', '1.4', '2.0'], help: 'the highest KMIP version to negotiate (default 2.0)' },
      'timeout-ms': { type: 'string', value: 'N', range: [500, 25_000], help: 'per-request budget in milliseconds' },
      'no-check': { type: 'boolean', help: 'store it without connecting first' },
    },
    notes: ['The KMS sandbox reaches a server from the run that adds it on: its endpoint is recorded beside the keystore.'],
    method: 'remotes.add',
    unlock: true,
    params: async (inv) => ({
      ...defined({
        name: inv.positionals[0],
        host: str(inv, 'host'),
        port: int(inv, 'port', 1, 65535),
        ca: pemFile(inv, 'ca'),
        cert: pemFile(inv, 'cert'),
        key: pemFile(inv, 'key'),
        maxVersion: str(inv, 'kmip-version'),
        timeoutMs: int(inv, 'timeout-ms', 500, 25_000),
      }),
      ...(flag(inv, 'no-check') ? { check: false } : {}),
    }),
  },
  {
    name: 'remote list',
    summary: 'list the KMIP servers',
    args: [],
    options: { probe: { type: 'boolean', help: 'connect to each server and say which version it speaks, or why not' } },
    method: 'remotes.list',
    unlock: true,
    params: async (inv) => (flag(inv, 'probe') ? { probe: true } : {}),
  },
  {
    name: 'remote remove',
    summary: 'remove a KMIP server (refused while keys live on it)',
    args: [NAME],
    options: {},
    method: 'remotes.remove',
    unlock: true,
    params: async (inv) => ({ name: inv.positionals[0] }),
  },
];
