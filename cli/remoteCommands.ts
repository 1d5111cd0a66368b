// owkms remote add|list|remove: KMIP servers for `kmip:NAME` keys. The PEM files are read here and sent to the KMS,
// which keeps the client key encrypted in the keystore; the files can be deleted afterwards.
import { readFileSync } from 'node:fs';
import { KmsError } from '../kms-process/api/index.js';
import type { Command, Invocation } from './commands.js';

function pemFile(inv: Invocation, option: string): string {
  const path = inv.options[option];
  if (typeof path !== 'string') throw new KmsError('INVALID_REQUEST', `--${option} is required`);
  try {
    return readFileSync(path, 'utf8');
  } catch {
    throw new KmsError('INVALID_REQUEST', `cannot read --${option} ${path}`);
  }
}

function number(inv: Invocation, option: string): number | undefined {
  const v = inv.options[option];
  return typeof v === 'string' ? Number(v) : undefined;
}

export const REMOTE_COMMANDS: readonly Command[] = [
  {
    name: 'remote add',
    usage: 'remote add NAME --host H --port P --ca F --cert F --key F [--kmip-version 1.0-2.0] [--timeout-ms N] [--no-check] (a KMIP server for --provider kmip:NAME)',
    method: 'remotes.add',
    options: ['host', 'port', 'ca', 'cert', 'key', 'kmip-version', 'timeout-ms', 'no-check'],
    args: 1,
    unlock: true,
    params: async (inv) => {
      const host = inv.options.host;
      if (typeof host !== 'string') throw new KmsError('INVALID_REQUEST', '--host is required');
      const port = number(inv, 'port');
      if (port === undefined) throw new KmsError('INVALID_REQUEST', '--port is required');
      const out: Record<string, unknown> = {
        name: inv.positionals[0],
        host,
        port,
        ca: pemFile(inv, 'ca'),
        cert: pemFile(inv, 'cert'),
        key: pemFile(inv, 'key'),
      };
      if (typeof inv.options['kmip-version'] === 'string') out.maxVersion = inv.options['kmip-version'];
      if (number(inv, 'timeout-ms') !== undefined) out.timeoutMs = number(inv, 'timeout-ms');
      if (inv.options['no-check'] === true) out.check = false;
      return out;
    },
  },
  {
    name: 'remote list',
    usage: 'remote list [--probe] (--probe connects to each server)',
    method: 'remotes.list',
    options: ['probe'],
    args: 0,
    unlock: true,
    params: async (inv) => (inv.options.probe === true ? { probe: true } : {}),
  },
  {
    name: 'remote remove',
    usage: 'remote remove NAME (refused while keys live on it)',
    method: 'remotes.remove',
    options: [],
    args: 1,
    unlock: true,
    params: async (inv) => ({ name: inv.positionals[0] }),
  },
];
