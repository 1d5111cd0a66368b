// No secret in logs: a whole flow with a canary passphrase and canary keys (good and bad requests, a forced internal
// error, the CLI), then a search of the KMS's stderr, the CLI's output and every byte of the store folder for them.
import { createPublicKey, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KmsHost } from '../../kms-process/client/kmsHost.js';
import { faultPreload, FORCE_ERROR, FORCE_STRING } from '../helpers/faultPreload.js';
import { b64u, removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { jsonOut, owkms } from '../helpers/owkms.js';

const CANARY_PASSPHRASE = 'canary-PASSPHRASE-7f3a9c';
const CANARY_WRONG = 'canary-WRONGPASS-2b81e0';
const ED = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) as { kty: string; crv: string; x: string; d: string };
const ED_D = Buffer.from(ED.d, 'base64url');
const AES_KEY = randomBytes(32);
const HMAC_KEY = randomBytes(32);

/** Every encoding in which a secret could leak: raw, UTF-16, hex, base64 and base64url. */
function forms(name: string, bytes: Buffer): Array<[string, Buffer]> {
  return [
    [`${name} (raw)`, bytes],
    [`${name} (utf16le)`, Buffer.from(bytes.toString('latin1'), 'utf16le')],
    [`${name} (hex)`, Buffer.from(bytes.toString('hex'))],
    [`${name} (HEX)`, Buffer.from(bytes.toString('hex').toUpperCase())],
    [`${name} (base64)`, Buffer.from(bytes.toString('base64').replace(/=+$/, ''))],
    [`${name} (base64url)`, Buffer.from(bytes.toString('base64url'))],
  ];
}

const NEEDLES: Array<[string, Buffer]> = [
  ...forms('passphrase', Buffer.from(CANARY_PASSPHRASE)),
  ['passphrase (utf16le text)', Buffer.from(CANARY_PASSPHRASE, 'utf16le')],
  ...forms('wrong passphrase', Buffer.from(CANARY_WRONG)),
  ...forms('Ed25519 d', ED_D),
  ...forms('AES key', AES_KEY),
  ...forms('HMAC key', HMAC_KEY),
];

function leaks(where: string, blob: Buffer): string[] {
  return NEEDLES.filter(([, needle]) => blob.includes(needle)).map(([name]) => `${name} in ${where}`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('secrets in logs, output and files', () => {
  const store = tempDir();
  const scratch = tempDir();
  afterAll(() => {
    removeDir(store);
    removeDir(scratch);
  });

  it('never shows the canary passphrase or canary key bytes anywhere', async () => {
    expect(leaks('the test itself', Buffer.from(CANARY_PASSPHRASE))).toContain('passphrase (raw) in the test itself'); // the search works
    const captured: Array<[string, Buffer]> = [];
    const host = await KmsHost.start({ storeDir: store, callers: ['test'], stderr: 'pipe', nodeFlags: faultPreload(scratch, [CANARY_PASSPHRASE, `key d=${ED.d}`, `hex ${ED_D.toString('hex')}`]) });
    const kmsErr: Buffer[] = [];
    host.child!.stderr!.on('data', (b: Buffer) => kmsErr.push(b));
    const c = host.client;
    const answers: unknown[] = [];
    const call = async (method: string, params: unknown) => {
      try {
        const r = await c.callUnchecked(method, params);
        answers.push(r);
        return { result: r as Record<string, unknown>, kind: 'result', message: '' };
      } catch (e) {
        answers.push({ message: (e as Error).message, data: (e as { data?: unknown }).data });
        return { result: undefined, kind: (e as { kind?: string }).kind ?? 'not a KmsError', message: String((e as Error).message) };
      }
    };
    /** The call must end as `kind` ('result' for a success); returns the result. */
    const expectKind = async (kind: string, method: string, params: unknown) => {
      const r = await call(method, params);
      expect(r.kind, `${method}: ${r.message}`).toBe(kind);
      return r.result!;
    };

    await expectKind('result', 'kms.init', { sealers: [{ kind: 'passphrase', passphrase: CANARY_PASSPHRASE }] });
    const ed = await expectKind('result', 'keys.import', { format: 'jwk', data: { ...ED }, label: 'canary ed25519' });
    const aes = await expectKind('result', 'keys.import', { format: 'raw', algorithm: 'aes-256', data: b64u(AES_KEY) });
    const hmac = await expectKind('result', 'keys.import', { format: 'raw', algorithm: 'hmac-sha256', data: b64u(HMAC_KEY) });
    const { signature } = (await expectKind('result', 'crypto.sign', { id: ed.id, data: b64u('canary message') })) as { signature: string };
    expect(nodeVerify(null, Buffer.from('canary message'), createPublicKey({ key: ED as never, format: 'jwk' }), unb64u(signature))).toBe(true);
    await expectKind('result', 'crypto.encrypt', { id: aes.id, data: b64u('plain') });
    await expectKind('result', 'crypto.mac', { id: hmac.id, data: b64u('plain') });
    const exported = (await expectKind('result', 'keys.export', { id: ed.id, format: 'jwk' })) as { jwk: Record<string, unknown> };
    expect(exported.jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: ED.x });
    await expectKind('POLICY_DENIED', 'keys.export', { id: ed.id, format: 'jwk', private: true });

    // Bad requests that carry the canaries in their params.
    await expectKind('ALREADY_INITIALIZED', 'kms.init', { sealers: [{ kind: 'passphrase', passphrase: CANARY_PASSPHRASE }] });
    await expectKind('INVALID_REQUEST', 'kms.unlock', { passphrase: CANARY_PASSPHRASE, id: CANARY_PASSPHRASE });
    await expectKind('INVALID_REQUEST', 'kms.unlock', { passphrase: `${CANARY_PASSPHRASE}${'x'.repeat(1100)}` });
    await expectKind('INVALID_REQUEST', 'kms.unlock', { passphrase: [CANARY_PASSPHRASE] });
    await expectKind('INVALID_REQUEST', 'keys.import', { format: 'jwk', data: { ...ED, x: ED.d } }); // d does not fit x
    await expectKind('INVALID_REQUEST', 'keys.import', { format: 'jwk', data: { ...ED, d: `${ED.d}AA` } });
    expect((await call('keys.import', { format: 'jwk', data: { ...ED, crv: 'X448' } })).kind).not.toBe('result');
    await expectKind('INVALID_REQUEST', 'keys.import', { format: 'raw', algorithm: 'aes-256', data: b64u(Buffer.concat([AES_KEY, Buffer.from([1])])) });
    await expectKind('INVALID_REQUEST', 'keys.import', { format: 'pkcs8', algorithm: 'ed25519', data: b64u(Buffer.concat([Buffer.from('3000', 'hex'), ED_D])) });
    await expectKind('UNSUPPORTED', 'crypto.sign', { id: ed.id, data: b64u(CANARY_PASSPHRASE), scheme: 'ecdsa' });
    await expectKind('INVALID_REQUEST', 'crypto.decrypt', { id: aes.id, data: b64u(AES_KEY), iv: b64u(randomBytes(12)), tag: b64u(randomBytes(16)) });
    expect(await expectKind('result', 'crypto.macVerify', { id: hmac.id, data: b64u(CANARY_PASSPHRASE), mac: b64u(HMAC_KEY) })).toEqual({ valid: false });

    // A forced internal error whose message quotes the secrets.
    await expectKind('INTERNAL', 'crypto.sign', { id: ed.id, data: b64u(`${FORCE_ERROR} ${CANARY_PASSPHRASE}`) });
    await expectKind('INTERNAL', 'crypto.sign', { id: ed.id, data: b64u(`${FORCE_STRING} ${CANARY_PASSPHRASE}`) });

    // Wrong passphrases (two: the third would start the backoff), then the right one.
    await call('kms.lock', {});
    await expectKind('WRONG_SECRET', 'kms.unlock', { passphrase: CANARY_WRONG });
    await expectKind('WRONG_SECRET', 'kms.unlock', { passphrase: `${CANARY_WRONG}-again` });
    await expectKind('result', 'kms.unlock', { passphrase: CANARY_PASSPHRASE });
    expect(await expectKind('result', 'audit.verify', {})).toMatchObject({ ok: true });
    const audit = await expectKind('result', 'audit.list', { limit: 1000 });
    expect(JSON.stringify(audit)).toContain('kms.unlock');
    captured.push(['audit.list', Buffer.from(JSON.stringify(audit))]);
    captured.push(['answers to the caller', Buffer.from(JSON.stringify(answers))]);

    // The store while the KMS holds it open (the WAL may still hold recent pages), then after it stopped.
    for (const f of filesUnder(store)) captured.push([`${f} (open)`, readFileSync(f)]);
    await host.stop();
    captured.push(['KMS stderr', Buffer.concat(kmsErr)]);
    expect(Buffer.concat(kmsErr).toString()).toContain('internal error in crypto.sign'); // the forced fault was reported

    // The CLI: a passphrase from the environment, good and failing commands, and `rpc` with bad lines.
    const env = { OWKMS_PASSPHRASE: CANARY_PASSPHRASE };
    const runs = [
      await owkms(['--store', store, '--json', 'keys', 'show', 'AAAAAAAAAAAAAAAAAAAAAA'], { env }),
      await owkms(['--store', store, 'sign', 'AAAAAAAAAAAAAAAAAAAAAA'], { env, stdin: CANARY_PASSPHRASE }),
      await owkms(['--store', store, '--json', 'init'], { env }),
      await owkms(['--store', store, 'rpc'], {
        env,
        stdin: [
          JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'kms.unlock', params: { passphrase: CANARY_PASSPHRASE, bogus: CANARY_PASSPHRASE } }),
          JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'kms.init', params: { sealers: [{ kind: 'passphrase', passphrase: CANARY_PASSPHRASE }] } }),
          `{"jsonrpc":"2.0","id":3,"method":"kms.unlock","params":{"passphrase":"${CANARY_PASSPHRASE}"`,
          JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'keys.import', params: { format: 'jwk', data: { ...ED, x: ED.d } } }),
          JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'keys.list', params: {} }),
          '',
        ].join('\n'),
      }),
      await owkms(['--store', store, '--json', 'keys', 'list'], { env: { OWKMS_PASSPHRASE: CANARY_WRONG } }),
    ];
    expect(runs.map((r) => r.code), runs.map((r) => `${r.stdout}${r.stderr}`.slice(0, 400)).join('\n---\n')).toEqual([1, 1, 1, 0, 1]);
    expect(jsonOut(runs[0]!)).toMatchObject({ error: { kind: 'NOT_FOUND' } });
    expect(runs[1]!.stderr).toMatch(/NOT_FOUND/);
    expect(jsonOut(runs[2]!)).toMatchObject({ error: { kind: 'ALREADY_INITIALIZED' } });
    const rpcAnswers = runs[3]!.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; result?: { keys?: unknown[] } });
    expect(rpcAnswers.map((a) => a.id).sort()).toEqual([1, 2, 4, 5, null].sort());
    expect(rpcAnswers.find((a) => a.id === 5)?.result?.keys).toHaveLength(3);
    expect(jsonOut(runs[4]!)).toMatchObject({ error: { kind: 'WRONG_SECRET' } });
    runs.forEach((r, i) => {
      captured.push([`CLI run ${i} stdout`, r.stdoutBytes]);
      captured.push([`CLI run ${i} stderr`, Buffer.from(r.stderr)]);
    });

    for (const f of filesUnder(store)) captured.push([`${f} (closed)`, readFileSync(f)]);
    expect(captured.some(([name]) => name.endsWith('keystore.sqlite (closed)'))).toBe(true);
    expect(captured.some(([name]) => name.endsWith('keystore.sqlite-wal (open)'))).toBe(true); // the WAL was searched too

    const found = captured.flatMap(([where, blob]) => leaks(where, blob));
    expect(found).toEqual([]);
  }, 60_000);
});
