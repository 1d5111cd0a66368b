// `owkms remote add|list|remove` against a real PyKMIP server, then a key made there with
// `keys generate --provider kmip:NAME` and used with `sign`, its signature checked by node:crypto.
import { constants, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { jsonOut, owkms, type OwkmsRun } from '../helpers/owkms.js';
import { startPyKmip, type PyKmip } from '../services/pykmip.js';

const ENV = { OWKMS_PASSPHRASE: 'owkms remote test passphrase' };
let store: string;
let server: PyKmip;

function cli(args: string[], stdin?: string): Promise<OwkmsRun> {
  return owkms(['--store', store, ...args], { env: ENV, ...(stdin === undefined ? {} : { stdin }), timeoutMs: 30_000 });
}

async function ok<T = Record<string, unknown>>(args: string[], stdin?: string): Promise<T> {
  const run = await cli(['--json', ...args], stdin);
  expect(run.code, `owkms ${args.join(' ')} -> ${run.stdout.slice(0, 300)} ${run.stderr.slice(0, 300)}`).toBe(0);
  return jsonOut<T>(run);
}

beforeAll(async () => {
  server = await startPyKmip();
  store = tempDir('owkms-remote-cli-');
  await ok(['init', '--seal', 'passphrase']);
});

afterAll(async () => {
  removeDir(store);
  await server?.dispose();
});

describe('owkms remote', () => {
  it('add, list, generate a key there, sign, and remove only once no key uses it', async () => {
    const files = ['--ca', server.caPath, '--cert', server.client.cert, '--key', server.client.key];
    const added = await ok<{ name: string; probe: { version: string } }>(['remote', 'add', 'hsm', '--host', server.host, '--port', String(server.port), ...files]);
    expect(added).toMatchObject({ name: 'hsm', probe: { version: '2.0' } });
    const list = await ok<{ remotes: Array<{ name: string; port: number }> }>(['remote', 'list']);
    expect(list.remotes).toEqual([expect.objectContaining({ name: 'hsm', port: server.port })]);

    const key = await ok<KeyInfo>(['keys', 'generate', '--alg', 'rsa-2048', '--provider', 'kmip:hsm', '--label', 'org key']);
    expect(key.provider).toBe('kmip:hsm');
    const signed = await ok<{ signature: string }>(['sign', key.id], 'hello from the desktop');
    const pub = createPublicKey({ key: unb64u(key.publicKey!.raw), format: 'der', type: 'spki' });
    const opts = { key: pub, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO };
    expect(nodeVerify('sha256', Buffer.from('hello from the desktop'), opts, unb64u(signed.signature))).toBe(true);

    const refused = await cli(['--json', 'remote', 'remove', 'hsm']);
    expect(refused.code).toBe(1);
    expect(jsonOut<{ error: { kind: string } }>(refused).error.kind).toBe('INVALID_REQUEST');
    await ok(['keys', 'delete', key.id]);
    expect(await ok(['remote', 'remove', 'hsm'])).toEqual({ name: 'hsm', removed: true });
  });

  it('usage errors exit 2; an unreadable file and an unreachable server exit 1 with a typed error', async () => {
    // A missing required option is a usage error (exit 2), found before any KMS starts.
    const missing = await cli(['--json', 'remote', 'add', 'x', '--host', '127.0.0.1']);
    expect(missing.code).toBe(2);
    expect(jsonOut<{ error: { kind: string } }>(missing).error.kind).toBe('INVALID_REQUEST');
    expect((await cli(['remote', 'add'])).code).toBe(2);
    const nofile = await cli(['--json', 'remote', 'add', 'x', '--host', '127.0.0.1', '--port', '1', '--ca', '/nonexistent', '--cert', server.client.cert, '--key', server.client.key]);
    expect(jsonOut<{ error: { message: string } }>(nofile).error.message).toMatch(/cannot read --ca/);
    const down = await cli(['--json', 'remote', 'add', 'x', '--host', '127.0.0.1', '--port', '1', '--ca', server.caPath, '--cert', server.client.cert, '--key', server.client.key]);
    expect(down.code).toBe(1);
    expect(jsonOut<{ error: { kind: string } }>(down).error.kind).toBe('REMOTE_ERROR');
  });
});
