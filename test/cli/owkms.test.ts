// The owkms command as scripts use it (DESIGN.md section 9): `node bin/owkms.js` over a temporary keystore, --json
// output parsed and checked, signatures verified by node:crypto and @noble/curves, exit codes, and `owkms rpc`.
import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS, type KeyInfo } from '../../kms-process/api/index.js';
import { removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { jsonOut, owkms, type OwkmsRun } from '../helpers/owkms.js';

const PASSPHRASE = 'owkms cli test passphrase';
const ENV = { OWKMS_PASSPHRASE: PASSPHRASE };
const ALGS = ['ed25519', 'p256', 'secp256k1', 'aes-256', 'hmac-sha256'] as const;

let store: string;
const keys: Partial<Record<(typeof ALGS)[number], KeyInfo>> = {};

function cli(args: string[], options: Parameters<typeof owkms>[1] = {}): Promise<OwkmsRun> {
  return owkms(['--store', store, ...args], { env: ENV, ...options });
}

/** A --json run that must succeed: exit 0 and exactly one JSON value on stdout. */
async function ok<T = Record<string, unknown>>(args: string[], stdin?: string | Uint8Array): Promise<T> {
  const run = await cli(['--json', ...args], stdin === undefined ? {} : { stdin });
  expect(run.timedOut).toBe(false);
  expect(run.code, `owkms ${args.join(' ')} -> ${run.stdout.slice(0, 300)} ${run.stderr.slice(0, 500)}`).toBe(0);
  expect(run.stdout.endsWith('\n')).toBe(true);
  expect(run.stdout.trimEnd()).not.toContain('\n'); // one line: one JSON value
  return jsonOut<T>(run);
}

/** A --json check that must not pass: exit 1, and the result ({"valid": false}) printed as usual. */
async function invalid(args: string[], stdin?: string | Uint8Array): Promise<Record<string, unknown>> {
  const run = await cli(['--json', ...args], stdin === undefined ? {} : { stdin });
  expect({ args, code: run.code }).toEqual({ args, code: 1 });
  expect(run.stdout.trimEnd()).not.toContain('\n');
  return jsonOut(run);
}

/** A --json run that must fail: exit 1 and {"error": {"kind", "message"}} as the only value on stdout. */
async function fails(args: string[], kind: string, stdin?: string): Promise<{ kind: string; message: string }> {
  const run = await cli(['--json', ...args], stdin === undefined ? {} : { stdin });
  expect({ args, code: run.code }).toEqual({ args, code: 1 });
  const out = jsonOut<{ error: { kind: string; message: string } }>(run);
  expect(Object.keys(out)).toEqual(['error']);
  expect(out.error.kind).toBe(kind);
  expect(typeof out.error.message).toBe('string');
  return out.error;
}

beforeAll(async () => {
  store = tempDir('owkms-cli-');
  const init = await ok(['init', '--seal', 'passphrase']);
  expect(init).toMatchObject({ state: 'unlocked', keystoreId: expect.any(String) });
});
afterAll(() => removeDir(store));

describe('owkms one-shot commands', () => {
  it('status --json reports a locked keystore with its passphrase sealer', async () => {
    const status = await ok<{ state: string; version: string; sealers: Array<{ kind: string; enrolled: boolean }> }>(['status']);
    expect(status.state).toBe('locked'); // each run starts a fresh KMS; status does not unlock
    expect(status.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(status.sealers).toContainEqual(expect.objectContaining({ kind: 'passphrase', enrolled: true }));
  });

  it('keys generate makes a key of each algorithm, and keys list / keys show find them', async () => {
    for (const alg of ALGS) {
      const info = await ok<KeyInfo>(['keys', 'generate', '--alg', alg, '--label', `cli ${alg}`]);
      expect(info).toMatchObject({ algorithm: alg, label: `cli ${alg}`, provider: 'software', id: expect.stringMatching(/^[A-Za-z0-9_-]{8,64}$/) });
      keys[alg] = info;
    }
    expect(keys.ed25519!.publicKey?.jwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519' });
    expect(keys['aes-256']!.publicKey).toBeUndefined();
    const list = await ok<{ keys: KeyInfo[] }>(['keys', 'list']);
    expect(list.keys.map((k) => k.id).sort()).toEqual(ALGS.map((a) => keys[a]!.id).sort());
    const shown = await ok<KeyInfo>(['keys', 'show', keys.p256!.id]);
    expect(shown).toEqual(keys.p256);
  });

  it('sign reads the data from stdin; node:crypto and noble verify the signatures', async () => {
    const data = Buffer.concat([Buffer.from('owkms sign\n'), randomBytes(64), Buffer.from([0, 10, 13, 255])]);
    const ed = await ok<{ signature: string }>(['sign', keys.ed25519!.id], data);
    const edPub = createPublicKey({ key: keys.ed25519!.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify(null, data, edPub, unb64u(ed.signature))).toBe(true);

    const p256 = await ok<{ signature: string }>(['sign', keys.p256!.id], data);
    expect(unb64u(p256.signature)).toHaveLength(64); // IEEE P1363 r||s by default
    const p256Pub = createPublicKey({ key: keys.p256!.publicKey!.jwk as never, format: 'jwk' });
    expect(nodeVerify('sha256', data, { key: p256Pub, dsaEncoding: 'ieee-p1363' }, unb64u(p256.signature))).toBe(true);

    const k1 = await ok<{ signature: string }>(['sign', keys.secp256k1!.id], data);
    const k1Pub = unb64u(keys.secp256k1!.publicKey!.raw);
    // noble hashes with SHA-256 and, by default, refuses high-S signatures.
    expect(secp256k1.verify(unb64u(k1.signature), data, k1Pub)).toBe(true);
    expect(secp256k1.verify(unb64u(k1.signature), Buffer.from('other data'), k1Pub)).toBe(false);

    expect(await ok(['verify', keys.p256!.id, '--signature', p256.signature], data)).toEqual({ valid: true });
  });

  it('encrypt and decrypt round-trip with AES-256-GCM, --iv and --tag', async () => {
    const plaintext = Buffer.concat([Buffer.from('secret note\n'), randomBytes(100)]);
    const iv = randomBytes(12).toString('base64url');
    const enc = await ok<{ ciphertext: string; iv: string; tag: string; mode: string }>(['encrypt', keys['aes-256']!.id, '--iv', iv], plaintext);
    expect(enc).toMatchObject({ mode: 'gcm', iv });
    expect(unb64u(enc.tag)).toHaveLength(16);
    expect(unb64u(enc.ciphertext)).toHaveLength(plaintext.length);
    expect(unb64u(enc.ciphertext).equals(plaintext)).toBe(false);
    const dec = await ok<{ plaintext: string }>(['decrypt', keys['aes-256']!.id, '--iv', enc.iv, '--tag', enc.tag], unb64u(enc.ciphertext));
    expect(unb64u(dec.plaintext).equals(plaintext)).toBe(true);
  });

  it('mac gives an HMAC-SHA256 tag, and mac-verify refuses it for a changed message', async () => {
    const data = Buffer.from('mac me');
    const { mac } = await ok<{ mac: string }>(['mac', keys['hmac-sha256']!.id], data);
    expect(unb64u(mac)).toHaveLength(32);
    expect(await ok(['mac-verify', keys['hmac-sha256']!.id, '--mac', mac], data)).toEqual({ valid: true });
    expect(await invalid(['mac-verify', keys['hmac-sha256']!.id, '--mac', mac], Buffer.from('mac me!'))).toEqual({ valid: false });
  });

  it('random prints base64url bytes', async () => {
    const r = await ok<{ bytes: string }>(['random', '48']);
    expect(unb64u(r.bytes)).toHaveLength(48);
  });

  it('keys delete removes a key; using it afterwards is NOT_FOUND with exit code 1', async () => {
    const id = keys.secp256k1!.id;
    expect(await ok(['keys', 'delete', id])).toEqual({ id, deleted: true });
    const err = await fails(['keys', 'show', id], 'NOT_FOUND');
    expect(err.message).not.toContain(PASSPHRASE);
    // Without --json the failure goes to stderr for people, still with exit code 1.
    const human = await cli(['sign', id], { stdin: 'x' });
    expect(human.code).toBe(1);
    expect(human.stdout).toBe('');
    expect(human.stderr).toMatch(/NOT_FOUND/);
  });

  it('audit list shows what the CLI did, and audit verify finds the chain intact', async () => {
    const { entries } = await ok<{ entries: Array<{ method: string; caller: string; keyId?: string; outcome: string }> }>(['audit', 'list', '--limit', '1000']);
    const generated = entries.filter((e) => e.method === 'keys.generate' && e.outcome === 'ok');
    expect(generated.map((e) => e.keyId).sort()).toEqual(ALGS.map((a) => keys[a]!.id).sort());
    expect(new Set(entries.map((e) => e.caller))).toEqual(new Set(['cli']));
    expect(entries).toContainEqual(expect.objectContaining({ method: 'keys.delete', keyId: keys.secp256k1!.id, outcome: 'ok' }));
    expect(entries).toContainEqual(expect.objectContaining({ method: 'keys.get', keyId: keys.secp256k1!.id, outcome: 'NOT_FOUND' }));
    const verdict = await ok<{ ok: boolean; entries: number }>(['audit', 'verify']);
    expect(verdict.ok).toBe(true);
    expect(verdict.entries).toBeGreaterThanOrEqual(entries.length);
  });
});

describe('owkms usage errors and missing secrets', () => {
  it('exits 2 on usage errors, with a JSON error under --json', async () => {
    // No KMS is started for these, so they can run side by side.
    const human = [['bogus'], ['keys', 'show'], ['keys', 'show', 'a', 'b']];
    const json = [['--json', 'status', '--alg', 'ed25519'], ['--json', '--no-such-option', 'status']];
    const runs = await Promise.all([...human, ...json].map((args) => cli(args)));
    runs.forEach((run, i) => {
      const args = [...human, ...json][i]!;
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      if (i < human.length) expect(run.stderr).toMatch(/^owkms: /);
      else expect(jsonOut(run)).toMatchObject({ error: { kind: 'INVALID_REQUEST', message: expect.any(String) } });
    });
    const [bare, help] = await Promise.all([owkms([]), owkms(['--help'])]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe(''); // a usage error: the help goes to stderr
    expect(bare.stderr).toContain('usage: owkms');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('keys generate');
    expect(help.stdout).toContain('exit codes:');
  });

  it('without a passphrase and without a terminal, fails clearly instead of waiting', async () => {
    const started = Date.now();
    const run = await owkms(['--store', store, '--json', 'keys', 'list'], { env: {}, detached: true, timeoutMs: 15_000 });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(1);
    const { error } = jsonOut<{ error: { kind: string; message: string } }>(run);
    expect(error.kind).toBe('INVALID_REQUEST');
    expect(error.message).toContain('OWKMS_PASSPHRASE');
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});

describe('owkms rpc', () => {
  it('answers every line with the sender id: results, parse errors, unknown methods, denied callers', async () => {
    const lines = [
      { jsonrpc: '2.0', id: 'a', method: 'kms.status', params: {} },
      'this is not JSON',
      { jsonrpc: '2.0', id: 42, method: 'keys.steal', params: {} },
      { jsonrpc: '2.0', id: 7, method: 'crypto.random', params: { length: 24 } },
      { jsonrpc: '2.0', id: 8, method: 'kms.status', params: {}, caller: 'ui' },
      '',
      { jsonrpc: '2.0', id: 1, method: 'keys.get', params: { id: keys.ed25519!.id } },
      { jsonrpc: '2.0', id: 1, method: 'keys.get', params: { id: 'AAAAAAAAAAAAAAAAAAAAAA' } },
      '{"jsonrpc":"2.0","id":9,"method":"kms.sta',
      { jsonrpc: '2.0', id: 10, method: 'crypto.random', params: { length: 'ten' } },
    ];
    const stdin = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
    const run = await cli(['rpc'], { stdin, timeoutMs: 20_000 });
    expect(run.timedOut).toBe(false);
    expect(run.code).toBe(0);
    const answers = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { jsonrpc: string; id: unknown; result?: Record<string, unknown>; error?: { code: number; data: { kind: string } } });
    expect(answers).toHaveLength(lines.filter((l) => l !== '').length);
    for (const a of answers) {
      expect(a.jsonrpc).toBe('2.0');
      expect('result' in a !== 'error' in a).toBe(true);
      if (a.error) expect(ERROR_KINDS).toContain(a.error.data.kind);
    }
    const byId = (id: unknown) => answers.filter((a) => a.id === id);
    expect(byId('a')[0]!.result).toMatchObject({ state: 'unlocked' }); // OWKMS_PASSPHRASE unlocks before rpc
    expect(byId(42)[0]!.error).toMatchObject({ code: -32601, data: { kind: 'UNKNOWN_METHOD' } });
    expect(unb64u(String(byId(7)[0]!.result!.bytes))).toHaveLength(24);
    expect(byId(8)[0]!.error!.data.kind).toBe('POLICY_DENIED');
    expect(byId(1).map((a) => (a.result ? 'result' : a.error!.data.kind)).sort()).toEqual(['NOT_FOUND', 'result']);
    expect(byId(null).map((a) => a.error!.code)).toEqual([-32700, -32700]);
    expect(byId(10)[0]!.error!.data).toMatchObject({ kind: 'INVALID_REQUEST', path: 'length' });
  });
});

describe('base64url words that begin with a dash', () => {
  // One IV, tag, MAC or signature in 64 begins with '-' (and key ids of older keystores may); scripts pass them back
  // as printed, so they must be taken as values and arguments, not as options.
  it('takes a key id, an IV and a signature that start with "-" as values, not as options', async () => {
    for (const id of [`-${'A'.repeat(21)}`, `--${'A'.repeat(20)}`]) {
      const shown = await cli(['--json', 'keys', 'show', id]);
      expect({ id, code: shown.code }).toEqual({ id, code: 1 });
      expect(jsonOut(shown)).toMatchObject({ error: { kind: 'NOT_FOUND' } });
    }

    const { signature } = await ok<{ signature: string }>(['sign', keys.ed25519!.id], 'dash');
    const forged = `-${signature.slice(1)}`;
    expect(await (forged === signature ? ok : invalid)(['verify', keys.ed25519!.id, '--signature', forged], 'dash')).toEqual({ valid: forged === signature });

    const iv = Buffer.concat([Buffer.from([0xf8]), randomBytes(11)]).toString('base64url');
    expect(iv.startsWith('-')).toBe(true);
    expect(await ok(['encrypt', keys['aes-256']!.id, '--iv', iv], 'dash plaintext')).toMatchObject({ iv, mode: 'gcm' });
  });
});
