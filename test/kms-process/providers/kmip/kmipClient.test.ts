// The KMIP client against a real PyKMIP server (mutual TLS, certificates made for this run), in the protocol
// versions the server negotiates (2.0) and pinned to 1.4 and 1.2: every operation the provider uses, with the
// server's RSA signatures checked by node:crypto against the public key it hands out, and its HMAC against
// node:crypto's over the same registered key.
import { constants, createHmac, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmipClient, KmipUnsupportedError } from '../../../../kms-process/providers/kmip/kmipClient.js';
import { KmipTransportError } from '../../../../kms-process/providers/kmip/kmipConnection.js';
import { KmipServerError } from '../../../../kms-process/providers/kmip/kmipMessages.js';
import {
  BLOCK_CIPHER_MODE,
  CRYPTO_ALGORITHM,
  HASHING_ALGORITHM,
  KEY_FORMAT_TYPE,
  OPERATION,
  PADDING_METHOD,
  QUERY_FUNCTION,
  REVOCATION_REASON,
  USAGE_MASK,
} from '../../../../kms-process/providers/kmip/kmipTags.js';
import { startPyKmip, type PyKmip } from '../../../services/pykmip.js';

let server: PyKmip;
const clients: KmipClient[] = [];

function client(opts: { cert?: string; key?: string; maxVersion?: { major: number; minor: number }; requestMs?: number } = {}): KmipClient {
  const c = new KmipClient(
    {
      host: server.host,
      port: server.port,
      ca: server.pem(server.caPath),
      cert: server.pem(opts.cert ?? server.client.cert),
      key: server.pem(opts.key ?? server.client.key),
    },
    {
      maxVersion: opts.maxVersion,
      limits: { maxConnections: 2, maxQueue: 16, requestMs: opts.requestMs ?? 10_000, connectMs: 3_000, idleMs: 5_000 },
    },
  );
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startPyKmip();
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.dispose();
});

describe('version negotiation', () => {
  it('Discover Versions lists what PyKMIP 0.10 speaks, best first; the client picks 2.0, or the pinned maximum', async () => {
    const all = await client().discoverVersions();
    expect(all.map((v) => `${v.major}.${v.minor}`)).toEqual(['2.0', '1.4', '1.3', '1.2', '1.1', '1.0']);
    expect(await client().version()).toEqual({ major: 2, minor: 0 });
    expect(await client({ maxVersion: { major: 1, minor: 4 } }).version()).toEqual({ major: 1, minor: 4 });
  });

  it('Query names the server and its operations', async () => {
    const q = await client().query([QUERY_FUNCTION.Operations, QUERY_FUNCTION.ServerInformation]);
    expect(q.vendor).toMatch(/PyKMIP/);
    for (const op of [OPERATION.Create, OPERATION.CreateKeyPair, OPERATION.Sign, OPERATION.Encrypt, OPERATION.Mac]) expect(q.operations).toContain(op);
  });
});

for (const version of [{ major: 2, minor: 0 }, { major: 1, minor: 4 }, { major: 1, minor: 2 }]) {
  describe(`KMIP ${version.major}.${version.minor}`, () => {
    /** AES-GCM on the server: the round trip, and a flipped tag or other AAD refused (the key never leaves the server). */
    const gcmRoundTrip = async (k: KmipClient, uid: string, plain: Buffer, iv: Buffer, aad: Buffer) => {
      const gcm = { cryptographicAlgorithm: CRYPTO_ALGORITHM.AES, blockCipherMode: BLOCK_CIPHER_MODE.GCM, tagLength: 16 };
      const out = await k.encrypt(uid, gcm, plain, iv, aad);
      expect(out.tag).toHaveLength(16);
      expect(out.data).toHaveLength(plain.length);
      expect(Buffer.from(await k.decrypt(uid, gcm, out.data, iv, out.tag, aad))).toEqual(plain);
      const badTag = Buffer.from(out.tag!);
      badTag[0]! ^= 1;
      await expect(k.decrypt(uid, gcm, out.data, iv, badTag, aad)).rejects.toBeInstanceOf(KmipServerError);
      await expect(k.decrypt(uid, gcm, out.data, iv, out.tag, Buffer.from('other header'))).rejects.toBeInstanceOf(KmipServerError);
    };
    const c = () => client({ maxVersion: version });

    it('Create (AES-256), Activate, GetAttributes, Locate, Encrypt/Decrypt in GCM and CBC, Revoke, Destroy', async () => {
      const k = c();
      const name = `aes-${version.major}${version.minor}-${randomBytes(4).toString('hex')}`;
      const uid = await k.create({
        'Cryptographic Algorithm': CRYPTO_ALGORITHM.AES,
        'Cryptographic Length': 256,
        'Cryptographic Usage Mask': USAGE_MASK.Encrypt | USAGE_MASK.Decrypt,
        Name: name,
      });
      const attrs = await k.getAttributes(uid, ['Cryptographic Algorithm', 'Cryptographic Length', 'State']);
      expect(attrs).toMatchObject({ 'Cryptographic Algorithm': CRYPTO_ALGORITHM.AES, 'Cryptographic Length': 256, State: 1 });
      // Pre-Active keys do not encrypt.
      const cbc = { cryptographicAlgorithm: CRYPTO_ALGORITHM.AES, blockCipherMode: BLOCK_CIPHER_MODE.CBC, paddingMethod: PADDING_METHOD.PKCS5 };
      const gcm = { cryptographicAlgorithm: CRYPTO_ALGORITHM.AES, blockCipherMode: BLOCK_CIPHER_MODE.GCM, tagLength: 16 };
      await expect(k.encrypt(uid, cbc, Buffer.from('x'), randomBytes(16))).rejects.toThrow(/Active/);
      await k.activate(uid);
      expect((await k.getAttributes(uid, ['State'])).State).toBe(2);
      expect(await k.locate({ Name: name })).toEqual([uid]);

      const iv = randomBytes(12);
      const aad = Buffer.from('header');
      const plain = randomBytes(100);
      if (version.major === 1 && version.minor < 4) {
        // Authenticated encryption needs KMIP 1.4: the client says so before sending anything.
        await expect(k.encrypt(uid, gcm, plain, iv, aad)).rejects.toBeInstanceOf(KmipUnsupportedError);
      } else await gcmRoundTrip(k, uid, plain, iv, aad);

      const cbcIv = randomBytes(16);
      const cbcOut = await k.encrypt(uid, cbc, plain, cbcIv);
      expect(cbcOut.data).toHaveLength(112);
      expect(Buffer.from(await k.decrypt(uid, cbc, cbcOut.data, cbcIv))).toEqual(plain);

      await k.revoke(uid, REVOCATION_REASON.CessationOfOperation, 'test done');
      await expect(k.encrypt(uid, cbc, plain, cbcIv)).rejects.toBeInstanceOf(KmipServerError);
      await k.destroy(uid);
      await expect(k.getAttributes(uid, ['State'])).rejects.toThrow(/Item Not Found|Not Found/i);
    });

    it('CreateKeyPair (RSA-2048), Get of the public key, Sign (PSS and PKCS#1 v1.5) checked by node:crypto, SignatureVerify', async () => {
      const k = c();
      const { privateUid, publicUid } = await k.createKeyPair(
        { 'Cryptographic Algorithm': CRYPTO_ALGORITHM.RSA, 'Cryptographic Length': 2048 },
        { 'Cryptographic Usage Mask': USAGE_MASK.Sign },
        { 'Cryptographic Usage Mask': USAGE_MASK.Verify },
      );
      await k.activate(privateUid);
      await k.activate(publicUid);
      const pub = await k.get(publicUid);
      expect(pub.keyFormatType).toBe(KEY_FORMAT_TYPE.PKCS1);
      const key = createPublicKey({ key: Buffer.from(pub.material as Uint8Array), format: 'der', type: 'pkcs1' });
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
      const data = Buffer.from('message to sign');
      const pss = { cryptographicAlgorithm: CRYPTO_ALGORITHM.RSA, paddingMethod: PADDING_METHOD.PSS, hashingAlgorithm: HASHING_ALGORITHM.SHA256 };
      const sig = await k.sign(privateUid, pss, data);
      expect(sig).toHaveLength(256);
      expect(nodeVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, sig)).toBe(true);
      expect(await k.signatureVerify(publicUid, pss, data, sig)).toBe(true);
      expect(await k.signatureVerify(publicUid, pss, Buffer.from('other'), sig)).toBe(false);
      const pkcs1 = { cryptographicAlgorithm: CRYPTO_ALGORITHM.RSA, paddingMethod: PADDING_METHOD.PKCS1v15, hashingAlgorithm: HASHING_ALGORITHM.SHA256 };
      const sig1 = await k.sign(privateUid, pkcs1, data);
      expect(nodeVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, sig1)).toBe(true);
      // PKCS#1 v1.5 is deterministic: the same message signs to the same bytes.
      expect(Buffer.from(await k.sign(privateUid, pkcs1, data))).toEqual(Buffer.from(sig1));
    });

    it('Register (an HMAC-SHA256 key) and MAC, checked by node:crypto', async () => {
      const k = c();
      const secret = randomBytes(32);
      const uid = await k.registerSymmetric(
        { 'Cryptographic Algorithm': CRYPTO_ALGORITHM.HMAC_SHA256, 'Cryptographic Length': 256, 'Cryptographic Usage Mask': USAGE_MASK.MacGenerate },
        CRYPTO_ALGORITHM.HMAC_SHA256,
        secret,
      );
      await k.activate(uid);
      const data = randomBytes(77);
      const mac = await k.mac(uid, { cryptographicAlgorithm: CRYPTO_ALGORITHM.HMAC_SHA256 }, data);
      expect(Buffer.from(mac)).toEqual(createHmac('sha256', secret).update(data).digest());
    });
  });
}

describe('refusals', () => {
  it('EC key pairs: PyKMIP 0.10 makes RSA pairs only, and says so in its Result Message', async () => {
    const k = client();
    const e = await k
      .createKeyPair({ 'Cryptographic Algorithm': CRYPTO_ALGORITHM.ECDSA, 'Cryptographic Length': 256 }, { 'Cryptographic Usage Mask': USAGE_MASK.Sign }, { 'Cryptographic Usage Mask': USAGE_MASK.Verify })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmipServerError);
    expect((e as KmipServerError).message).toMatch(/CreateKeyPair failed: .+/);
  });

  it('a client certificate from another CA is refused at the TLS handshake', async () => {
    const e = await client({ cert: server.rogue.cert, key: server.rogue.key }).discoverVersions().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmipTransportError);
  });

  it('a client certificate without extendedKeyUsage=clientAuth is refused by the server at the handshake', async () => {
    const e = await client({ cert: server.noClientAuth.cert, key: server.noClientAuth.key }).discoverVersions().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KmipTransportError);
    expect((e as Error).message).toMatch(/unsupported certificate/i);
  });

  it('a server that does not listen fails fast; one that accepts and never answers fails within the budget', async () => {
    const { freePort } = await import('../../../services/pykmip.js');
    const dead = new KmipClient({ host: '127.0.0.1', port: await freePort(), ca: server.pem(server.caPath), cert: server.pem(server.client.cert), key: server.pem(server.client.key) });
    clients.push(dead);
    const t0 = Date.now();
    await expect(dead.discoverVersions()).rejects.toBeInstanceOf(KmipTransportError);
    expect(Date.now() - t0).toBeLessThan(2000);

    const net = await import('node:net');
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as { port: number }).port;
    const hung = new KmipClient(
      { host: '127.0.0.1', port, ca: server.pem(server.caPath), cert: server.pem(server.client.cert), key: server.pem(server.client.key) },
      { limits: { maxConnections: 1, maxQueue: 4, requestMs: 800, connectMs: 500, idleMs: 1000 } },
    );
    clients.push(hung);
    const t1 = Date.now();
    await expect(hung.discoverVersions()).rejects.toBeInstanceOf(KmipTransportError);
    expect(Date.now() - t1).toBeLessThan(1500);
    silent.close();
  });
});
