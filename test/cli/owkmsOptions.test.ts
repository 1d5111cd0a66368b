// Every protocol option is reachable from the owkms command line (issue 9), and its help describes it: each
// command's argv variants below are read by the real parser, turned into params by the command, and checked against
// the method's own schema; together they must set every field the schema has. No KMS runs here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { METHODS, type MethodName } from '../../kms-process/api/index.js';
import { parseCommandLine } from '../../cli/args.js';
import type { Invocation } from '../../cli/command.js';
import { COMMANDS, GLOBAL_OPTIONS } from '../../cli/commands.js';
import { commandHelp, mainHelp } from '../../cli/help.js';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** A PEM file for `remote add` (read by the command; the schema checks its shape). */
const PEM_DIR = mkdtempSync(join(tmpdir(), 'owkms-options-'));
const PEM_FILE = join(PEM_DIR, 'x.pem');
writeFileSync(PEM_FILE, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
/** A file for `restore --in` (read by the command; the KMS checks what it holds), and a backup passphrase file. */
const BACKUP_FILE = join(PEM_DIR, 'wallet.owkmsbak');
writeFileSync(BACKUP_FILE, Buffer.from('OWKMSBAK not a real one'));
const BACKUP_PASSPHRASE_FILE = join(PEM_DIR, 'backup-passphrase');
writeFileSync(BACKUP_PASSPHRASE_FILE, 'a backup passphrase from a file\n');
const B = 'aGVsbG8'; // base64url bytes

/** Methods no one-shot command needs: each owkms run is its own KMS, so these are reached through `owkms rpc`. */
const RPC_ONLY: Partial<Record<MethodName, string>> = {
  'kms.unlock': 'every command that needs it unlocks first, with the passphrase or PIN it is given',
  'tokens.logout': 'a one-shot run ends its token sessions with its KMS',
  'kms.configure': "a one-shot run's KMS ends with the command, so its key cache time is moot; for long-lived KMSs (the desktop app's Settings)",
  'pkcs11.login': "the PKCS#11 module's C_Login, through the agent",
  'pkcs11.pinStatus': "the PKCS#11 module's token flags, through the agent",
  'webkms.createKeystore': 'owkms serve --webkms, for its REST clients',
  'webkms.listKeystores': 'owkms serve --webkms, for its REST clients',
  'webkms.generateKey': 'owkms serve --webkms, for its REST clients',
  'webkms.wrapKey': 'owkms serve --webkms, for its REST clients',
  'webkms.unwrapKey': 'owkms serve --webkms, for its REST clients',
  'webkms.revoke': 'owkms serve --webkms, for its REST clients',
  'webkms.audit': 'owkms serve --webkms, for its REST clients',
  'kms.doctor': 'owkms doctor calls it from a KMS of its own (a local command: its sandbox may write --salvage-to)',
};
/** Fields set from elsewhere than an option, and why. */
const NOT_FROM_OPTIONS: Record<string, string> = {
  'crypto.batch:items.*': 'batch items come as JSON on stdin, passed as they are',
};

/** argv variants per command; together they use every option the command declares. */
const VARIANTS: Record<string, string[][]> = {
  init: [['--seal', 'passphrase', '--seal', 'tpm', '--tcti', 'swtpm:port=2321', '--tpm-pcrs', '0,7', '--tpm-pin', '--seal', 'keychain', '--keychain-service', 'owkms-test', '--seal', 'pkcs11:SERIAL1', '--unlock-policy', 'all']],
  status: [['--no-probe'], []],
  'keys generate': [['--alg', 'hd-seed', '--provider', 'software', '--words', '12', '--label', 'l', '--purposes', 'derive', '--exportable', '--approval', '--callers', 'cli,app', '--allow-raw-agreement']],
  'keys list': [['--limit', '10', '--cursor', '5']],
  'keys show': [[ID]],
  'keys delete': [[ID]],
  'keys import': [
    ['--format', 'raw', '--alg', 'secp256k1', '--private', '--label', 'l', '--purposes', 'sign', '--exportable', '--approval', '--callers', 'cli', '--allow-raw-agreement'],
    ['--format', 'mnemonic'],
    ['--provider', 'pkcs11:SERIAL1', '--id', '0a0b', '--label', 'token key', '--purposes', 'sign', '--approval', '--callers', 'app'],
  ],
  'keys export': [[ID, '--format', 'raw', '--private', '--wrap-with', ID, '--mode', 'kwp'], [ID, '--format', 'spki', '--pem']],
  'keys derive': [[ID, '--path', "m/44'/60'/0'/0/0", '--child', 'secp256k1', '--label', 'c', '--purposes', 'sign', '--exportable', '--approval', '--callers', 'cli', '--allow-raw-agreement']],
  'keys update': [
    [ID, '--label', 'n', '--purposes', 'sign,verify', '--callers', 'cli', '--exportable', '--approval', '--allow-raw-agreement'],
    [ID, '--not-exportable', '--no-approval', '--no-raw-agreement'],
  ],
  'keys rotate': [[ID]],
  'keys retire': [[ID, '--below', '3']],
  sign: [[ID, '--scheme', 'ecdsa', '--hash', 'sha256', '--prehashed', '--format', 'der', '--context', B]],
  verify: [[ID, '--signature', B, '--scheme', 'ml-dsa', '--hash', 'sha512', '--prehashed', '--format', 'p1363', '--context', B]],
  'verify-public': [
    ['--alg', 'ed25519', '--public-key', '{"kty":"OKP","crv":"Ed25519","x":"aGVsbG8"}', '--signature', B, '--scheme', 'eddsa', '--hash', 'sha256', '--prehashed', '--format', 'p1363', '--context', B],
    ['--alg', 'p256', '--public-key', B, '--key-format', 'spki', '--signature', B],
  ],
  'eth sign-tx': [
    [ID, '--chain-id', '1', '--nonce', '0', '--to', '0x' + 'ab'.repeat(20), '--value', '1000000000000000000', '--gas-limit', '21000', '--max-fee', '30000000000', '--max-priority-fee', '1000000000', '--data', '0x00'],
  ],
  'eth sign-typed-data': [[ID]],
  jws: [[ID, '--header', '{"alg":"ES256","kid":"k"}']],
  encrypt: [[ID, '--mode', 'gcm', '--aad', B, '--iv', B]],
  decrypt: [[ID, '--iv', B, '--tag', B, '--mode', 'gcm', '--aad', B, '--key-version', '2']],
  mac: [[ID]],
  'mac-verify': [[ID, '--mac', B]],
  agree: [
    [ID, '--peer', B, '--derive-alg', 'hmac-sha256', '--salt', B, '--info', B, '--label', 'agreed'],
    [ID, '--peer', '{"kty":"OKP","crv":"X25519","x":"aGVsbG8"}', '--raw'],
  ],
  wrap: [[ID, '--key', ID, '--mode', 'kw']],
  unwrap: [[ID, '--alg', 'aes-256', '--wrapped', B, '--mode', 'kw', '--label', 'u', '--purposes', 'encrypt', '--exportable', '--approval']],
  encapsulate: [[ID, '--derive-alg', 'aes-128', '--salt', B, '--info', B, '--label', 'k'], [ID, '--raw']],
  decapsulate: [[ID, '--ciphertext', B, '--derive-alg', 'aes-128', '--salt', B, '--info', B, '--label', 'k'], [ID, '--ciphertext', B, '--raw']],
  batch: [[]],
  random: [['32']],
  'tokens list': [[]],
  'tokens login': [['SERIAL1', '--confirm-final-try']],
  'sealers set': [['--seal', 'passphrase', '--seal', 'tpm', '--tcti', 'swtpm:port=1', '--tpm-pcrs', '7', '--tpm-pin', '--seal', 'keychain', '--keychain-service', 's', '--seal', 'pkcs11:SERIAL1', '--unlock-policy', 'any']],
  'audit list': [['--limit', '3', '--cursor', '2']],
  'audit verify': [[]],
  'remote add': [['hsm', '--host', 'kmip.example', '--port', '5696', '--ca', PEM_FILE, '--cert', PEM_FILE, '--key', PEM_FILE, '--kmip-version', '1.4', '--timeout-ms', '3000', '--no-check']],
  'remote list': [['--probe'], []],
  'remote remove': [['hsm']],
  'wallet export': [[]],
  'wallet import': [['--exportable']],
  agent: [['--socket', '/tmp/owkms-test.sock', '--lock-after', '60']],
  lock: [[]],
  unlock: [[]],
  'pkcs11 set-pin': [[]],
  'pkcs11 module-path': [[]],
  backup: [['--out', join(PEM_DIR, 'new.owkmsbak'), '--backup-passphrase-file', BACKUP_PASSPHRASE_FILE], ['--out', join(PEM_DIR, 'env.owkmsbak')]],
  restore: [
    ['--in', BACKUP_FILE, '--backup-passphrase-file', BACKUP_PASSPHRASE_FILE, '--seal', 'passphrase', '--seal', 'tpm', '--tcti', 'swtpm:port=2321', '--tpm-pcrs', '0,7', '--tpm-pin', '--seal', 'keychain', '--keychain-service', 'owkms-test', '--seal', 'pkcs11:SERIAL1', '--unlock-policy', 'all'],
    ['--in', BACKUP_FILE],
  ],
  doctor: [['--salvage-to', join(PEM_DIR, 'salvaged')], []],
  serve: [['--webkms', '--port', '8443', '--controller', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK']],
};

/** Field paths of a zod schema: `a`, `a.b`; array elements and union members add their objects' fields. */
function schemaFields(schema: z.ZodType, prefix = ''): string[] {
  const s = schema as unknown as { def: { type: string }; unwrap?: () => z.ZodType; element?: z.ZodType; options?: z.ZodType[]; shape?: Record<string, z.ZodType> };
  switch (s.def.type) {
    case 'optional':
    case 'nullable':
      return schemaFields(s.unwrap!(), prefix);
    case 'array':
      return schemaFields(s.element!, prefix);
    case 'union':
      return [...new Set(s.options!.flatMap((o) => schemaFields(o, prefix)))];
    case 'object':
      return Object.entries(s.shape!).flatMap(([k, v]) => [`${prefix}${k}`, ...schemaFields(v, `${prefix}${k}.`)]);
    default:
      return [];
  }
}

/** Field paths of an actual params object (arrays of objects add their elements' fields; JWKs and headers are leaves). */
function valueFields(v: unknown, prefix = '', leaves: readonly string[] = []): string[] {
  if (Array.isArray(v)) return [...new Set(v.flatMap((x) => valueFields(x, prefix, leaves)))];
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v).flatMap(([k, x]) => [`${prefix}${k}`, ...(leaves.includes(`${prefix}${k}`) ? [] : valueFields(x, `${prefix}${k}.`, leaves))]);
}

function fakeInvocation(rest: string[], values: Invocation['options'], command: string): Invocation {
  const stdin =
    command === 'batch' ? JSON.stringify([{ method: 'crypto.mac', params: { id: ID, data: B } }])
    : command === 'keys import' && values.format === 'mnemonic' ? 'abandon abandon about'
    : command === 'eth sign-typed-data' ? JSON.stringify({ types: { Mail: [{ name: 'contents', type: 'string' }] }, primaryType: 'Mail', domain: { name: 'n', version: '1', chainId: 1, verifyingContract: '0x' + 'cc'.repeat(20), salt: '0x' + '00'.repeat(32) }, message: { contents: 'hi' } })
    : command === 'wallet import' ? JSON.stringify({ wallet: { type: 'EncryptedWallet', id: 'urn:uuid:1' } })
    : 'key bytes';
  return {
    positionals: rest,
    options: values,
    stdin: async () => Buffer.from(stdin),
    secret: async (what) => `${what} for the test`,
    currentSecrets: async () => ({ passphrase: 'current passphrase', pin: 'current pin' }),
  };
}

/** Secrets commands read from the environment (never from arguments). */
const ENV = {
  OWKMS_BIP39_PASSPHRASE: 'bip39 passphrase from the environment',
  OWKMS_WALLET_PASSWORD: 'a wallet password',
  OWKMS_PKCS11_PIN: '246810',
  OWKMS_BACKUP_PASSPHRASE: 'a backup passphrase from the environment',
};
const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
beforeAll(() => {
  Object.assign(process.env, ENV);
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(PEM_DIR, { recursive: true, force: true });
});

describe('owkms reaches every protocol option', () => {
  it('has a command for every method, or says why rpc is the way', () => {
    const commanded = new Set(COMMANDS.map((c) => c.method));
    const missing = (Object.keys(METHODS) as MethodName[]).filter((m) => !commanded.has(m) && !RPC_ONLY[m]);
    expect(missing).toEqual([]);
    expect(Object.keys(VARIANTS).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it.each(COMMANDS.map((c) => [c.name, c] as const))('%s: its variants use every option, pass the schema and set every field', async (name, command) => {
    const method = command.method;
    const used = new Set<string>();
    const produced = new Set<string>();
    for (const variant of VARIANTS[name]!) {
      const parsed = parseCommandLine([...name.split(' '), ...variant]);
      expect(parsed.kind).toBe('command');
      if (parsed.kind !== 'command') continue;
      for (const [k, v] of Object.entries(parsed.values)) if (v !== undefined && !(k in GLOBAL_OPTIONS)) used.add(k);
      if (!method) continue; // a local command (agent, serve, module-path): its options are read by main.ts itself
      const params = await command.params(fakeInvocation(parsed.rest, parsed.values, name));
      const checked = METHODS[method].params.safeParse(params);
      expect({ variant, issues: checked.success ? [] : checked.error.issues }).toEqual({ variant, issues: [] });
      for (const f of valueFields(params, '', ['peerPublicKey', 'header', 'data', 'publicKey.data', 'typedData.types', 'typedData.message'])) produced.add(f);
    }
    expect([...used].sort()).toEqual(Object.keys(command.options).sort());
    if (!method) return;
    const expected = schemaFields(METHODS[method].params).filter((f) => !Object.keys(NOT_FROM_OPTIONS).some((x) => x.startsWith(`${command.method}:`) && f.startsWith(x.slice(x.indexOf(':') + 1, -1))));
    expect(expected.filter((f) => !produced.has(f))).toEqual([]);
  });
});

describe('owkms help describes every option', () => {
  it.each(COMMANDS.map((c) => [c.name, c] as const))('owkms help %s names each option, argument and the method', (_name, command) => {
    const text = commandHelp(command);
    for (const o of Object.keys(command.options)) expect(text).toMatch(new RegExp(`^  --${o}( |$)`, 'm'));
    for (const a of command.args) expect(text).toContain(`  ${a.name}  `);
    if (command.method) expect(text).toContain(command.method);
  });

  it('the command list names every command and the exit codes', () => {
    const text = mainHelp();
    for (const c of COMMANDS) expect(text).toMatch(new RegExp(`^  ${c.name} +\\S`, 'm'));
    expect(text).toMatch(/^ {2}0 {2}success/m);
    expect(text).toMatch(/^ {2}2 {2}a usage error/m);
  });
});
