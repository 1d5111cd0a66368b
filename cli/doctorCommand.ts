// `owkms doctor [--salvage-to DIR]` (issue 13): what is damaged in the keystore and what can be saved; with
// --salvage-to, a new keystore in DIR holding every key whose rows verify, under the same master key (the same
// passphrase, keychain or TPM opens it). Always a KMS of its own (never an agent's): its sandbox must let it write DIR,
// which owkms makes (0700) before the KMS starts. The secrets the sealed copies need come as for other commands.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { KmsError } from '../kms-process/api/errors.js';
import type { Result } from '../kms-process/api/methods.js';
import type { Command } from './command.js';
import { printError } from './output.js';
import { readSecret, secretGiven, type SecretSource } from './secrets.js';
import { openOwnKms } from './session.js';

export const DOCTOR_COMMAND: Command = {
  name: 'doctor',
  summary: 'what is damaged in the keystore and what can be saved; with --salvage-to, the keys that verify into a new keystore',
  args: [],
  options: {
    'salvage-to': { type: 'string', value: 'DIR', help: 'write every key whose rows verify into a new keystore in DIR (made owner-only; must hold no keystore)' },
  },
  notes: [
    'Reads the file row by row, without trusting SQLite\'s indexes; unseals with the copies that can be read (the passphrase or PIN as for other commands) and authenticates every row on its own.',
    'The salvaged keystore has the same master key: the same passphrase, keychain entry or TPM opens it. Exit code 0 when the report was made, whatever it found; healthy: yes|no|unknown says.',
  ],
  local: 'doctor',
  unlock: false,
  params: async () => ({}),
};

type Report = Result<'kms.doctor'>;

export interface DoctorOptions {
  storeDir: string;
  salvageTo?: string | undefined;
  json: boolean;
  passphrase: SecretSource;
  pin: SecretSource;
}

function tally(name: string, t: Report['keys']): string[] {
  if (!t) return [];
  return [`${name}: ${t.rows} row(s), ${t.verified} verify`, ...t.damaged.slice(0, 20).map((d) => `  damaged ${d.id}: ${d.why}`)];
}

export function describeReport(storeDir: string, r: Report): string {
  const f = r.file;
  return [
    `keystore: ${storeDir}`,
    `file: ${f.bytes} bytes (WAL ${f.walBytes}); header: ${f.header}; SQLite check: ${f.integrity.join('; ')}`,
    ...f.unreadable.map((u) => `  unreadable: ${u}`),
    `opened at start: ${f.opened}`,
    `master key: ${r.unseal.state}${r.unseal.by ? ` by ${r.unseal.by.join(' and ')}` : ''}${r.unseal.needs?.length ? ` (needs ${r.unseal.needs.join(', ')})` : ''}${r.unseal.detail ? `: ${r.unseal.detail}` : ''}`,
    `metadata: ${r.metadata}; key set: ${r.keySet}; audit: ${r.audit}`,
    ...tally('sealed copies', r.sealers),
    ...tally('keys', r.keys),
    ...tally('key versions', r.versions),
    ...tally('KMIP servers', r.remotes),
    `salvageable: ${r.salvageable.keys} key(s), ${r.salvageable.versions} earlier version(s), ${r.salvageable.remotes} KMIP server(s)`,
    ...(r.salvaged ? [`salvaged into ${r.salvaged.dir}: ${r.salvaged.keys} key(s), ${r.salvaged.versions} version(s), ${r.salvaged.remotes} server(s); rollback guard ${r.salvaged.rollback}`] : []),
    `healthy: ${r.healthy}`,
    ...r.advice.map((a) => `-> ${a}`),
  ].join('\n');
}

/** The salvage folder: made (0700) when absent; an existing one must not hold a keystore. */
function prepareSalvageDir(path: string): string {
  const dir = resolve(path);
  if (existsSync(dir) && readdirSync(dir).some((n) => n.startsWith('keystore.sqlite'))) {
    throw new KmsError('ALREADY_INITIALIZED', `${dir} holds a keystore already; give an empty folder`);
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export async function runDoctor(o: DoctorOptions): Promise<number> {
  const storeDir = resolve(o.storeDir);
  try {
    const target = o.salvageTo === undefined ? undefined : prepareSalvageDir(o.salvageTo);
    const kms = await openOwnKms(storeDir, { callers: ['cli'], holder: 'owkms doctor', ...(target ? { sandbox: { write: [target] } } : {}) });
    try {
      const secrets: { passphrase?: string; pin?: string } = {};
      if (secretGiven(o.passphrase)) secrets.passphrase = await readSecret(o.passphrase);
      if (secretGiven(o.pin)) secrets.pin = await readSecret(o.pin);
      let report = await kms.client.call('kms.doctor', secrets);
      if (report.unseal.state === 'needs' && process.stdin.isTTY) {
        for (const need of report.unseal.needs ?? []) secrets[need] ??= await readSecret(need === 'pin' ? o.pin : o.passphrase);
        report = await kms.client.call('kms.doctor', secrets);
      }
      if (target) report = await kms.client.call('kms.doctor', { ...secrets, salvageTo: target });
      process.stdout.write((o.json ? JSON.stringify(report) : describeReport(storeDir, report)) + '\n');
      return 0;
    } finally {
      await kms.close();
    }
  } catch (e) {
    printError(e instanceof KmsError ? e : new KmsError('INTERNAL', 'unexpected failure in owkms doctor'), o.json);
    return 1;
  }
}
