// `owkms serve --webkms` driven by Digital Bazaar's own client (@digitalbazaar/webkms-client) and ezcap for
// delegation, over loopback HTTPS: create a keystore, generate each key type, sign (checked by node:crypto), verify,
// HMAC, DeriveSecret (checked against node:crypto's X25519), WrapKey/UnwrapKey; delegated capabilities used,
// over-delegated, expired, forged, replayed and revoked ones refused with 401/403; every refusal audited in the KMS
// with caller `rest`; state surviving a restart of the service.
import { type ChildProcess, spawn } from 'node:child_process';
import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { Agent, request } from 'node:https';
import { base58 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CapabilityAgent, KeystoreAgent, KmsClient } from '@digitalbazaar/webkms-client';
import { ZcapClient } from '@digitalbazaar/ezcap';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { signCapabilityInvocation } from '@digitalbazaar/http-signature-zcap-invoke';
import { CapabilityDelegation, constants as zcapConstants, extendDocumentLoader } from '@digitalbazaar/zcap';
import { securityLoader } from '@digitalbazaar/security-document-loader';
import jsigs from 'jsonld-signatures';
import type { AuditEntry } from '../../../kms-process/api/index.js';
import { PASSPHRASE, removeDir, startKms, tempDir } from '../../helpers/kms.js';
import { OWKMS_BIN, owkms } from '../../helpers/owkms.js';

interface Served {
  child: ChildProcess;
  url: string;
  keystores: string;
  certificate: string;
  agent: Agent;
}

let store: string;
let served: Served;
let alice: CapabilityAgent;
let bob: CapabilityAgent;
let mallory: CapabilityAgent;
let keystoreId: string;

const ENV = { OWKMS_PASSPHRASE: PASSPHRASE };

async function serve(port = 0): Promise<Served> {
  const child = spawn(process.execPath, [OWKMS_BIN, '--store', store, '--json', 'serve', '--webkms', '--port', String(port), '--controller', alice.id], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  const info = JSON.parse(line) as { url: string; keystores: string; certificate: string };
  const { readFileSync } = await import('node:fs');
  return { child, ...info, agent: new Agent({ ca: readFileSync(info.certificate, 'utf8') }) };
}

async function stopServe(s: Served): Promise<void> {
  s.agent.destroy();
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

function zcapClient(agent: CapabilityAgent): ZcapClient {
  return new ZcapClient({ SuiteClass: Ed25519Signature2020, delegationSigner: agent.getSigner(), invocationSigner: agent.getSigner(), agent: served.agent });
}

/**
 * A delegation signed without the library's local checks (its own test hook), to see the service refuse what
 * ezcap would not have let a well-behaved client make: more actions or a longer life than the parent's.
 */
async function overDelegate(parent: Record<string, unknown>, by: CapabilityAgent, controller: string, allowedAction: string[], expires: Date): Promise<Record<string, unknown>> {
  const documentLoader = extendDocumentLoader(securityLoader().build());
  const doc = {
    '@context': [zcapConstants.ZCAP_CONTEXT_URL, 'https://w3id.org/security/suites/ed25519-2020/v1'],
    id: `urn:uuid:${crypto.randomUUID()}`,
    controller,
    parentCapability: parent.id,
    invocationTarget: parent.invocationTarget,
    allowedAction,
    expires: expires.toISOString().slice(0, -5) + 'Z',
  };
  return (await jsigs.sign(doc, {
    suite: new Ed25519Signature2020({ signer: by.getSigner() }),
    purpose: new CapabilityDelegation({ parentCapability: parent, _skipLocalValidationForTesting: true }),
    documentLoader,
  })) as Record<string, unknown>;
}

/**
 * HTTP Signatures carry no nonce and Ed25519 is deterministic: the same request from the same client within the same
 * second is byte-identical, which the service refuses as a replay. A client that means to repeat waits a second.
 */
async function nextSecond(): Promise<void> {
  // Every earlier request was signed in this second or before: after the boundary, `created` differs.
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
}

/** The HTTP status of a webkms-client failure. */
async function statusOf(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { status?: number }).status ?? `no status: ${(e as Error).message}`;
  }
}

/** A raw HTTPS POST with the given headers and JSON body (for replays and hand-made signatures). */
function post(url: string, headers: Record<string, string>, json: unknown): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(json);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent: served.agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  store = tempDir('owkms-webkms-');
  const init = await owkms(['--store', store, '--json', 'init', '--seal', 'passphrase'], { env: ENV });
  expect(init.code).toBe(0);
  alice = await CapabilityAgent.fromSecret({ secret: randomBytes(32), handle: 'alice' });
  bob = await CapabilityAgent.fromSecret({ secret: randomBytes(32), handle: 'bob' });
  mallory = await CapabilityAgent.fromSecret({ secret: randomBytes(32), handle: 'mallory' });
  served = await serve();
});

afterAll(async () => {
  if (served) await stopServe(served);
  removeDir(store);
});

describe('WebKMS through webkms-client', () => {
  let keystore: KeystoreAgent;
  let kmsClient: KmsClient;

  it('only a listed controller creates keystores; the keystore answers to its controller', async () => {
    expect(served.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const refused = KmsClient.createKeystore({ url: served.keystores, config: { sequence: 0, controller: mallory.id }, invocationSigner: mallory.getSigner(), httpsAgent: served.agent });
    expect(await statusOf(refused)).toBe(403);
    const config = await KmsClient.createKeystore({ url: served.keystores, config: { sequence: 0, controller: alice.id }, invocationSigner: alice.getSigner(), httpsAgent: served.agent });
    expect(config).toMatchObject({ controller: alice.id, sequence: 0 });
    keystoreId = config.id;
    expect(keystoreId.startsWith(`${served.keystores}/`)).toBe(true);
    kmsClient = new KmsClient({ keystoreId, httpsAgent: served.agent });
    keystore = new KeystoreAgent({ capabilityAgent: alice, keystoreId, kmsClient });
    expect(await kmsClient.getKeystore({ invocationSigner: alice.getSigner() })).toMatchObject({ id: keystoreId, controller: alice.id });
    expect(await statusOf(kmsClient.getKeystore({ invocationSigner: mallory.getSigner() }))).toBe(403);
  });

  it('Ed25519: sign (verified by node:crypto against the key description), verify', async () => {
    const key = (await nextSecond(), await keystore.generateKey({ type: 'asymmetric' }));
    const description = await key.getKeyDescription();
    expect(description).toMatchObject({ type: 'Ed25519VerificationKey2020', controller: alice.id });
    const raw = base58.decode(String(description.publicKeyMultibase).slice(1)).subarray(2);
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') }, format: 'jwk' });
    const data = new TextEncoder().encode('hello webkms');
    const signature = await key.sign({ data });
    expect(nodeVerify(null, data, pub, signature)).toBe(true);
    expect(await kmsClient.verify({ keyId: key.kmsId, data, signature, invocationSigner: alice.getSigner() })).toBe(true);
    expect(await kmsClient.verify({ keyId: key.kmsId, data: new TextEncoder().encode('other'), signature, invocationSigner: alice.getSigner() })).toBe(false);
    expect(await statusOf(kmsClient.sign({ keyId: key.kmsId, data, invocationSigner: mallory.getSigner() }))).toBe(403);
  });

  it('HMAC, DeriveSecret (equal to node:crypto X25519), WrapKey/UnwrapKey', async () => {
    const hmac = await keystore.generateKey({ type: 'hmac' });
    const data = randomBytes(40);
    const mac = await hmac.sign({ data });
    expect(mac).toHaveLength(32);
    expect(await hmac.verify({ data, signature: mac })).toBe(true);

    // KeystoreAgent drops a key agreement key's description, and webkms-client 14.3.0's getKeyDescription({keyId})
    // sends no URL (it sets one only from a capability): take the description from generateKey's answer.
    const made = await kmsClient.generateKey({ type: 'X25519KeyAgreementKey2020', invocationSigner: alice.getSigner() });
    const kakDescription = made.keyDescription;
    expect(kakDescription).toMatchObject({ type: 'X25519KeyAgreementKey2020', controller: alice.id });
    const kak = await keystore.getKeyAgreementKey({ id: made.keyId, type: 'X25519KeyAgreementKey2020' });
    const kakRaw = base58.decode(String(kakDescription.publicKeyMultibase).slice(1)).subarray(2);
    const mine = generateKeyPairSync('x25519');
    const myRaw = Buffer.from(mine.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    const secret = await kak.deriveSecret({ publicKey: { type: 'X25519KeyAgreementKey2020', publicKeyMultibase: `z${base58.encode(Uint8Array.from([0xec, 0x01, ...myRaw]))}` } });
    const theirs = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(kakRaw).toString('base64url') }, format: 'jwk' });
    expect(Buffer.from(secret)).toEqual(diffieHellman({ privateKey: mine.privateKey, publicKey: theirs }));

    const kek = await keystore.generateKey({ type: 'kek' });
    const contentKey = randomBytes(32);
    const wrapped = await kek.wrapKey({ unwrappedKey: contentKey });
    expect(Buffer.from(await kek.unwrapKey({ wrappedKey: wrapped }))).toEqual(contentKey);
    await nextSecond();
    const other = await keystore.generateKey({ type: 'kek' });
    expect(await other.unwrapKey({ wrappedKey: wrapped })).toBeNull();
  });

  it('delegation: bob signs with a capability from alice; over-delegated, expired, forged, revoked ones are refused', async () => {
    const key = (await nextSecond(), await keystore.generateKey({ type: 'asymmetric' }));
    const data = new TextEncoder().encode('delegated');
    const toBob = await zcapClient(alice).delegate({ capability: `urn:zcap:root:${encodeURIComponent(keystoreId)}`, invocationTarget: key.kmsId, controller: bob.id, allowedActions: ['sign'], expires: new Date(Date.now() + 3600_000) });
    const bobClient = new KmsClient({ httpsAgent: served.agent });
    const sig = await bobClient.sign({ keyId: key.kmsId, data, capability: toBob, invocationSigner: bob.getSigner() });
    expect(sig).toHaveLength(64);
    // An action the capability does not grant.
    expect(await statusOf(bobClient.verify({ keyId: key.kmsId, data, signature: sig, capability: toBob, invocationSigner: bob.getSigner() }))).toBe(403);
    // Mallory holds bob's capability but not his key: forged.
    expect(await statusOf(bobClient.sign({ keyId: key.kmsId, data, capability: toBob, invocationSigner: mallory.getSigner() }))).toBe(403);
    // Bob delegates on, past what he was given (a longer life than his own capability): refused when invoked.
    const overLife = await overDelegate(toBob, bob, mallory.id, ['sign'], new Date(Date.now() + 7200_000));
    expect(await statusOf(bobClient.sign({ keyId: key.kmsId, data, capability: overLife, invocationSigner: mallory.getSigner() }))).toBe(403);
    const overAction = await overDelegate(toBob, bob, mallory.id, ['sign', 'verify'], new Date(Date.now() + 1800_000));
    expect(await statusOf(bobClient.verify({ keyId: key.kmsId, data, signature: sig, capability: overAction, invocationSigner: mallory.getSigner() }))).toBe(403);
    // Expired: delegated three hours ago for one hour.
    const expired = await zcapClient(alice).delegate({ capability: `urn:zcap:root:${encodeURIComponent(keystoreId)}`, invocationTarget: key.kmsId, controller: bob.id, allowedActions: ['sign'], now: Date.now() - 3 * 3600_000, expires: new Date(Date.now() - 2 * 3600_000) });
    expect(await statusOf(bobClient.sign({ keyId: key.kmsId, data, capability: expired, invocationSigner: bob.getSigner() }))).toBe(403);
    // Revoked by alice: bob's capability stops working, and so does anything delegated from it.
    const toMallory = await zcapClient(bob).delegate({ capability: toBob, controller: mallory.id, allowedActions: ['sign'], expires: new Date(Date.now() + 1800_000) });
    expect(await bobClient.sign({ keyId: key.kmsId, data, capability: toMallory, invocationSigner: mallory.getSigner() })).toHaveLength(64);
    await kmsClient.revokeCapability({ capabilityToRevoke: toBob, invocationSigner: alice.getSigner() });
    await nextSecond(); // the same request again within the second would be refused as a replay (401), not as revoked
    expect(await statusOf(bobClient.sign({ keyId: key.kmsId, data, capability: toBob, invocationSigner: bob.getSigner() }))).toBe(403);
    expect(await statusOf(bobClient.sign({ keyId: key.kmsId, data, capability: toMallory, invocationSigner: mallory.getSigner() }))).toBe(403);
    // Mallory cannot revoke alice's own access.
    const aliceSelf = await zcapClient(alice).delegate({ capability: `urn:zcap:root:${encodeURIComponent(keystoreId)}`, invocationTarget: key.kmsId, controller: alice.id, allowedActions: ['sign'], expires: new Date(Date.now() + 600_000) });
    expect(await statusOf(new KmsClient({ keystoreId, httpsAgent: served.agent }).revokeCapability({ capabilityToRevoke: aliceSelf, invocationSigner: mallory.getSigner() }))).toBe(403);
  });

  it('replayed and expired signed requests, and a body that does not match its digest: 401', async () => {
    const key = (await nextSecond(), await keystore.generateKey({ type: 'asymmetric' }));
    const json = { type: 'SignOperation', invocationTarget: key.kmsId, verifyData: Buffer.from('once').toString('base64url') };
    const capability = `urn:zcap:root:${encodeURIComponent(keystoreId)}`;
    const headers = await signCapabilityInvocation({ url: key.kmsId, method: 'post', headers: { accept: 'application/json', 'content-type': 'application/json' }, json, capability, invocationSigner: alice.getSigner(), capabilityAction: 'sign' });
    expect((await post(key.kmsId, headers, json)).status).toBe(200);
    const replay = await post(key.kmsId, headers, json);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatch(/seen before/);
    const old = Math.floor(Date.now() / 1000) - 3600;
    const stale = await signCapabilityInvocation({ url: key.kmsId, method: 'post', headers: { accept: 'application/json', 'content-type': 'application/json' }, json, capability, invocationSigner: alice.getSigner(), capabilityAction: 'sign', created: old, expires: old + 600 });
    expect((await post(key.kmsId, stale, json)).status).toBe(401);
    await nextSecond(); // else `fresh` would be byte-identical to the first request (a replay)
    const fresh = await signCapabilityInvocation({ url: key.kmsId, method: 'post', headers: { accept: 'application/json', 'content-type': 'application/json' }, json, capability, invocationSigner: alice.getSigner(), capabilityAction: 'sign' });
    const swapped = await post(key.kmsId, fresh, { ...json, verifyData: Buffer.from('twice').toString('base64url') });
    expect(swapped.status).toBe(401);
    expect(swapped.body).toMatch(/Digest/);
    const unsigned = await post(key.kmsId, { 'content-type': 'application/json' }, json);
    expect(unsigned.status).toBe(401);
  });

  it('state survives a restart of the service (it lives in the KMS keystore); revocations too', async () => {
    const key = (await nextSecond(), await keystore.generateKey({ type: 'asymmetric' }));
    const toBob = await zcapClient(alice).delegate({ capability: `urn:zcap:root:${encodeURIComponent(keystoreId)}`, invocationTarget: key.kmsId, controller: bob.id, allowedActions: ['sign'], expires: new Date(Date.now() + 3600_000) });
    await kmsClient.revokeCapability({ capabilityToRevoke: toBob, invocationSigner: alice.getSigner() });
    const port = Number(new URL(served.url).port);
    await stopServe(served);
    served = await serve(port);
    expect(served.url).toBe(`https://127.0.0.1:${port}`);
    const client = new KmsClient({ keystoreId, httpsAgent: served.agent });
    expect(await client.sign({ keyId: key.kmsId, data: new Uint8Array([1, 2, 3]), invocationSigner: alice.getSigner() })).toHaveLength(64);
    // The revocation made before the restart still holds; a new capability works.
    const bobAfter = new KmsClient({ httpsAgent: served.agent });
    expect(await statusOf(bobAfter.sign({ keyId: key.kmsId, data: new Uint8Array([1]), capability: toBob, invocationSigner: bob.getSigner() }))).toBe(403);
    const bobAgain = await zcapClient(alice).delegate({ capability: `urn:zcap:root:${encodeURIComponent(keystoreId)}`, invocationTarget: key.kmsId, controller: bob.id, allowedActions: ['sign'], expires: new Date(Date.now() + 3600_000) });
    expect(await bobAfter.sign({ keyId: key.kmsId, data: new Uint8Array([1]), capability: bobAgain, invocationSigner: bob.getSigner() })).toHaveLength(64);
  });

  it('the KMS audited the operations and every refusal as caller rest', async () => {
    await stopServe(served);
    const k = await startKms({ dir: store });
    try {
      await k.client.call('kms.unlock', { passphrase: PASSPHRASE });
      const entries: AuditEntry[] = [];
      for (let cursor: string | undefined, first = true; first || cursor; first = false) {
        const page = await k.client.call('audit.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
        entries.push(...page.entries);
        cursor = page.nextCursor;
      }
      const rest = entries.filter((e) => e.caller === 'rest').map((e) => `${e.method} ${e.outcome}`);
      for (const expected of ['webkms.createKeystore ok', 'webkms.generateKey ok', 'crypto.sign ok', 'crypto.mac ok', 'crypto.agree ok', 'webkms.wrapKey ok', 'webkms.revoke ok',
        'webkms.createKeystore NOT_AUTHORIZED', 'webkms.sign NOT_AUTHORIZED', 'webkms.sign EXPIRED', 'webkms.sign REVOKED', 'webkms.sign REPLAYED', 'webkms.sign UNSIGNED', 'webkms.sign BAD_DIGEST']) {
        expect(rest, expected).toContain(expected);
      }
      expect(entries.every((e) => e.caller !== 'rest' || !e.method.startsWith('remotes.'))).toBe(true);
      expect((await k.client.call('audit.verify', {})).ok).toBe(true);
      // WebKMS keys admit `rest` only: the renderer cannot use them, and they never export.
      const { keys } = await k.client.call('keys.list', {});
      const webkmsKeys = keys.filter((x) => x.label.startsWith('webkms:key:'));
      expect(webkmsKeys.length).toBeGreaterThan(5);
      expect(webkmsKeys.every((x) => x.callers?.length === 1 && x.callers[0] === 'rest' && !x.exportable)).toBe(true);
    } finally {
      await k.stop();
    }
  });
});
