// The WebKMS service's TLS identity on 127.0.0.1: a self-signed P-256 certificate made once and kept beside the
// keystore (key file 0600), so clients can pin it across restarts. TLS on loopback is not for secrecy from the
// network: webkms-client only invokes capabilities whose target is an https URL, and a pinned certificate keeps
// another local process from answering on the port while the service is down.
import 'reflect-metadata';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

export interface TlsIdentity {
  cert: string;
  key: string;
  certPath: string;
  fingerprint256: string;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

async function create(): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: createHash('sha256').update(String(Date.now())).digest('hex').slice(0, 16),
    name: 'CN=owkms WebKMS on 127.0.0.1',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 2 * 365 * 86_400_000),
    keys: keys as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'],
    signingAlgorithm: ALG,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }, { type: 'dns', value: 'localhost' }]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

export async function tlsIdentity(dir: string): Promise<TlsIdentity> {
  const certPath = join(dir, 'webkms-tls-cert.pem');
  const keyPath = join(dir, 'webkms-tls-key.pem');
  if (!existsSync(certPath) || !existsSync(keyPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const made = await create();
    writeFileSync(keyPath, made.key, { mode: 0o600 });
    chmodSync(keyPath, 0o600);
    writeFileSync(certPath, made.cert, { mode: 0o644 });
  }
  const cert = readFileSync(certPath, 'utf8');
  return { cert, key: readFileSync(keyPath, 'utf8'), certPath, fingerprint256: new X509Certificate(cert).fingerprint256 };
}
