// The key forms users have (issue 9): PEM wherever DER is taken (from openssl: PKCS#8, SEC1, PKCS#1, SPKI, a
// certificate), the algorithm read from the key, raw private keys (EC scalars, Ed25519/X25519 private keys, the
// ML-DSA / ML-KEM seeds), and messages that say which encoding and length were expected.
import { ml_dsa65 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAlgorithmRegistry } from '../../../kms-process/algorithms/all.js';
import { algorithmForJwk } from '../../../kms-process/algorithms/jwkAlgorithm.js';
import { algorithmOfDer, derFor, isPem } from '../../../kms-process/algorithms/keyInput.js';
import type { AlgorithmId } from '../../../kms-process/api/index.js';
import { removeDir, tempDir } from '../../helpers/kms.js';
import { openssl, pemAndDer } from '../../helpers/openssl.js';
import { expectKmsError } from './expectKmsError.js';

const registry = createAlgorithmRegistry();
const spec = (id: AlgorithmId) => registry.get(id);
const spkiOf = (der: Buffer | Uint8Array) => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
/** The public key openssl derives from a private key, as DER SPKI. */
const publicDer = (privatePem: Buffer) => openssl(['pkey', '-pubout', '-outform', 'DER'], privatePem);

/** Import the DER a `format` reads from `input` (PEM or DER), with the algorithm read from the key. */
function importAs(format: 'pkcs8' | 'spki', input: Uint8Array) {
  const der = derFor(format, input);
  const algorithm = algorithmOfDer(format, der)!;
  return { algorithm, material: spec(algorithm).importKey!(format, der) };
}

describe('PEM where DER is taken (keys made by openssl 3)', () => {
  const cases: Array<[string, string[], AlgorithmId]> = [
    ['Ed25519 PKCS#8 (genpkey)', ['genpkey', '-algorithm', 'ed25519'], 'ed25519'],
    ['X25519 PKCS#8 (genpkey)', ['genpkey', '-algorithm', 'x25519'], 'x25519'],
    ['P-256 PKCS#8 (genpkey)', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'p256'],
    ['P-521 PKCS#8 (genpkey)', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], 'p521'],
    ['secp256k1 SEC1 "EC PRIVATE KEY" (ecparam)', ['ecparam', '-name', 'secp256k1', '-genkey', '-noout'], 'secp256k1'],
    ['P-384 SEC1 "EC PRIVATE KEY" (ecparam)', ['ecparam', '-name', 'secp384r1', '-genkey', '-noout'], 'p384'],
    ['RSA-2048 PKCS#1 "RSA PRIVATE KEY" (genrsa -traditional)', ['genrsa', '-traditional', '2048'], 'rsa-2048'],
  ];

  it.each(cases)('%s imports as %s, with the public key openssl derives', (_name, args, algorithm) => {
    const pem = openssl(args);
    expect(isPem(pem)).toBe(true);
    const got = importAs('pkcs8', pem);
    expect(got.algorithm).toBe(algorithm);
    expect(got.material.secret).toBeDefined();
    const exported = spec(algorithm).exportKey!('spki', got.material, false) as Uint8Array;
    expect(spkiOf(exported).equals(spkiOf(publicDer(pem)))).toBe(true);
    // Its public half, as PEM SPKI from openssl, imports to the same public key.
    const pubPem = openssl(['pkey', '-pubout'], pem);
    const pub = importAs('spki', pubPem);
    expect(pub).toEqual({ algorithm, material: { publicRaw: got.material.publicRaw } });
  }, 30_000);

  it('takes PKCS#8 PEM as the very DER openssl writes (no re-encoding)', () => {
    const { pem, der } = pemAndDer(['genpkey', '-algorithm', 'ed25519'], ['pkey', '-outform', 'DER']);
    expect(Buffer.from(derFor('pkcs8', pem)).equals(der)).toBe(true);
    expect(derFor('pkcs8', der)).toBe(der); // DER passes as it is
  });

  it('takes the public key of a certificate and of a PKCS#1 "RSA PUBLIC KEY"', () => {
    const dir = tempDir('owkms-pem-');
    const keyFile = join(dir, 'key.pem');
    const key = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256']);
    writeFileSync(keyFile, key, { mode: 0o600 });
    const cert = openssl(['req', '-x509', '-key', keyFile, '-subj', '/CN=owkms test', '-days', '1']);
    removeDir(dir);
    expect(cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(importAs('spki', cert).material.publicRaw).toEqual(importAs('spki', openssl(['pkey', '-pubout'], key)).material.publicRaw);

    const rsa = openssl(['genrsa', '2048']);
    const pkcs1 = openssl(['rsa', '-RSAPublicKey_out'], rsa);
    expect(pkcs1.toString()).toContain('BEGIN RSA PUBLIC KEY');
    expect(spkiOf(derFor('spki', pkcs1)).equals(spkiOf(publicDer(rsa)))).toBe(true);
  }, 30_000);

  it('explains what is wrong: encrypted, the other half, several blocks, bad base64, an unknown label', () => {
    const key = openssl(['genpkey', '-algorithm', 'ed25519']);
    const encrypted = openssl(['genpkey', '-algorithm', 'ed25519', '-aes256', '-pass', 'pass:owkms-test']);
    expectKmsError(() => derFor('pkcs8', encrypted), 'INVALID_REQUEST', /encrypted: decrypt it first/);
    expectKmsError(() => derFor('pkcs8', openssl(['pkey', '-pubout'], key)), 'INVALID_REQUEST', /public key \("BEGIN PUBLIC KEY"\): import it with format spki/);
    expectKmsError(() => derFor('spki', key), 'INVALID_REQUEST', /private key \("BEGIN PRIVATE KEY"\): import it with format pkcs8/);
    expectKmsError(() => derFor('pkcs8', Buffer.concat([key, key])), 'INVALID_REQUEST', /one key block .* found 2/);
    expectKmsError(() => derFor('pkcs8', Buffer.from(key.toString().replace(/\n(.)/, '\n!$1'))), 'INVALID_REQUEST', /PEM is malformed/);
    expectKmsError(() => derFor('spki', Buffer.from('-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')), 'INVALID_REQUEST', /"BEGIN X509 CRL" is not a key spki takes/);
  });

  it('names the key type or size it does not hold', () => {
    const rsa1024 = openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024']);
    expectKmsError(() => algorithmOfDer('pkcs8', derFor('pkcs8', rsa1024)), 'INVALID_REQUEST', /1024 bits: the keystore takes 2048, 3072 and 4096/);
    const brainpool = openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:brainpoolP256r1']);
    expectKmsError(() => algorithmOfDer('pkcs8', derFor('pkcs8', brainpool)), 'INVALID_REQUEST', /curve brainpoolP256r1/);
    expect(algorithmOfDer('pkcs8', randomBytes(40))).toBeUndefined(); // not a key: the algorithm file says why
    expectKmsError(() => spec('p256').importKey!('pkcs8', randomBytes(40)), 'INVALID_REQUEST', /PKCS#8 \(DER PrivateKeyInfo, or PEM "BEGIN PRIVATE KEY"\) is malformed/);
  }, 30_000);
});

describe('raw private keys', () => {
  it('secp256k1 and p256: the 32-byte scalar, with private: true or by its length, gives the key openssl derives', () => {
    for (const [algorithm, curve] of [['secp256k1', 'secp256k1'], ['p256', 'prime256v1']] as const) {
      const pem = openssl(['ecparam', '-name', curve, '-genkey', '-noout']);
      const d = Buffer.from(createPrivateKey(pem).export({ format: 'jwk' }).d!, 'base64url');
      const asPrivate = spec(algorithm).importKey!('raw-private', d);
      expect(asPrivate).toEqual(spec(algorithm).importKey!('raw', d));
      expect(spkiOf(spec(algorithm).exportKey!('spki', asPrivate, false) as Uint8Array).equals(spkiOf(publicDer(pem)))).toBe(true);
      expectKmsError(() => spec(algorithm).importKey!('raw-private', d.subarray(1)), 'INVALID_REQUEST', /raw private key must be the 32-byte big-endian scalar, not 31 bytes/);
      expectKmsError(() => spec(algorithm).importKey!('raw-private', Buffer.alloc(32)), 'INVALID_REQUEST');
      expectKmsError(() => spec(algorithm).importKey!('raw', Buffer.alloc(64, 1)), 'INVALID_REQUEST', /33 bytes \(compressed\) or 65 \(uncompressed\), or the 32-byte private scalar; not 64 bytes/);
    }
  });

  it('ed25519: the 32-byte private key (private: true), or 64 bytes with its public key; 32 bytes alone stay public', () => {
    const pem = openssl(['genpkey', '-algorithm', 'ed25519']);
    const jwk = createPrivateKey(pem).export({ format: 'jwk' });
    const [d, x] = [Buffer.from(jwk.d!, 'base64url'), Buffer.from(jwk.x!, 'base64url')];
    expect(spec('ed25519').importKey!('raw-private', d)).toEqual({ secret: new Uint8Array(d), publicRaw: new Uint8Array(x) });
    expect(spec('ed25519').importKey!('raw-private', Buffer.concat([d, x]))).toEqual({ secret: new Uint8Array(d), publicRaw: new Uint8Array(x) });
    expect(spec('ed25519').importKey!('raw', x)).toEqual({ publicRaw: new Uint8Array(x) });
    const otherX = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x!;
    expectKmsError(() => spec('ed25519').importKey!('raw-private', Buffer.concat([d, Buffer.from(otherX, 'base64url')])), 'INVALID_REQUEST', /second half is not the public key/);
    expectKmsError(() => spec('ed25519').importKey!('raw', Buffer.concat([d, x])), 'INVALID_REQUEST', /raw public key must be 32 bytes, not 64; a raw private key is imported with private: true/);
    expectKmsError(() => spec('ed25519').importKey!('raw-private', d.subarray(2)), 'INVALID_REQUEST', /raw private key must be 32 bytes, not 30 \(or 64/);
  });

  it('x25519, ml-dsa-65 and ml-kem-768 take their private key or seed; symmetric keys take raw either way; RSA says what to use', () => {
    const x = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
    expect(spec('x25519').importKey!('raw-private', Buffer.from(x.d!, 'base64url')).publicRaw).toEqual(new Uint8Array(Buffer.from(x.x!, 'base64url')));
    const dsaSeed = randomBytes(32);
    expect(spec('ml-dsa-65').importKey!('raw-private', dsaSeed).publicRaw).toEqual(ml_dsa65.keygen(dsaSeed).publicKey);
    const kemSeed = randomBytes(64);
    expect(spec('ml-kem-768').importKey!('raw-private', kemSeed).publicRaw).toEqual(ml_kem768.keygen(kemSeed).publicKey);
    expectKmsError(() => spec('ml-kem-768').importKey!('raw-private', dsaSeed), 'INVALID_REQUEST', /seed d\|\|z\) must be 64 bytes, not 32/);
    const aes = randomBytes(32);
    expect(spec('aes-256').importKey!('raw-private', aes)).toEqual(spec('aes-256').importKey!('raw', aes));
    expectKmsError(() => spec('rsa-2048').importKey!('raw-private', randomBytes(32)), 'UNSUPPORTED', /no raw private form: import its private key as PKCS#8/);
  });
});

describe('JWKs say their algorithm', () => {
  it('EC and OKP by crv, RSA by its modulus length, AKP by alg; oct and unknown sizes need --alg', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 3072 }).publicKey.export({ format: 'jwk' });
    expect(algorithmForJwk(rsa as never)).toBe('rsa-3072');
    expect(algorithmForJwk(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' }) as never)).toBeUndefined();
    expect(algorithmForJwk(generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey.export({ format: 'jwk' }) as never)).toBe('secp256k1');
    const pq = spec('ml-dsa-65').exportKey!('jwk', spec('ml-dsa-65').generate(), false);
    expect(algorithmForJwk(pq as never)).toBe('ml-dsa-65');
    expect(algorithmForJwk({ kty: 'oct', k: 'AAAA' })).toBeUndefined();
  });
});
