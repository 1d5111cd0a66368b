// The PKCS#11 module used by programs others wrote: OpenSC's pkcs11-tool (listing, signing, its own --test), OpenSSL
// verifying what it signed against the wallet's exported public keys, GnuTLS p11tool, OpenSSH (ssh-keygen -D and a
// login to an sshd started here on loopback), and OpenSSL's pkcs11 engine signing with a wallet key.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { ckaId, MODULE_PIN, startAgent, type TestAgent } from '../helpers/agent.js';
import { requirePkcs11Engine, requireTool, runTool } from '../services/tools.js';

let agent: TestAgent;
const keys: Record<string, KeyInfo> = {};
let env: NodeJS.ProcessEnv;

async function exportPem(k: KeyInfo): Promise<string> {
  const out = (await agent.client.callUnchecked('keys.export', { id: k.id, format: 'spki' })) as { data: string };
  const der = join(agent.dir, `${k.id}.der`);
  writeFileSync(der, Buffer.from(out.data, 'base64url'));
  const pem = join(agent.dir, `${k.id}.pem`);
  const r = await runTool(requireTool('openssl'), ['pkey', '-pubin', '-inform', 'DER', '-in', der, '-out', pem]);
  expect(r.code, r.stderr).toBe(0);
  return pem;
}

function tool(args: string[]) {
  return runTool(requireTool('pkcs11-tool'), ['--module', agent.modulePath, ...args], { env });
}

beforeAll(async () => {
  agent = await startAgent();
  env = { ...process.env, ...agent.env, SSH_AUTH_SOCK: '' };
  keys.p256 = await agent.generate('p256', 'wallet-p256');
  keys.p384 = await agent.generate('p384', 'wallet-p384');
  keys.k1 = await agent.generate('secp256k1', 'wallet-k1');
  keys.ed = await agent.generate('ed25519', 'wallet-ed25519');
  keys.rsa = await agent.generate('rsa-2048', 'wallet-rsa');
  keys.hidden = (await agent.client.callUnchecked('keys.generate', { algorithm: 'p256', label: 'invisible-key' })) as KeyInfo;
  writeFileSync(join(agent.dir, 'data'), 'signed by the wallet through PKCS#11\n');
});

afterAll(async () => {
  await agent?.cleanup();
});

describe('OpenSC pkcs11-tool', () => {
  it('--list-slots, --list-objects, and --login --pin --list-objects', async () => {
    const slots = await tool(['--list-slots']);
    expect(slots.code, slots.stderr).toBe(0);
    expect(slots.stdout).toMatch(/token label\s+: OpenWallet/);
    expect(slots.stdout).toMatch(/login required/);
    const pub = await tool(['--list-objects']);
    expect(pub.stdout).toContain('wallet-p256');
    expect(pub.stdout).not.toContain('Private Key Object');
    const all = await tool(['--login', '--pin', MODULE_PIN, '--list-objects']);
    expect(all.code, all.stderr).toBe(0);
    for (const label of ['wallet-p256', 'wallet-p384', 'wallet-k1', 'wallet-ed25519', 'wallet-rsa']) expect(all.stdout).toContain(label);
    expect(all.stdout).not.toContain('invisible-key');
    expect(all.stdout.match(/Private Key Object/g)).toHaveLength(5);
    expect(all.stdout).toMatch(/Access:\s+sensitive, always sensitive, never extractable/);
  });

  it('ECDSA (P-256, P-384, secp256k1), EdDSA and RSA-PSS signatures verify with openssl against the exported keys', async () => {
    const openssl = requireTool('openssl');
    const data = join(agent.dir, 'data');
    const cases = [
      { k: keys.p256!, mech: 'ECDSA-SHA256', verify: (pem: string, sig: string) => ['dgst', '-sha256', '-verify', pem, '-signature', sig, data], fmt: true },
      { k: keys.p384!, mech: 'ECDSA-SHA384', verify: (pem: string, sig: string) => ['dgst', '-sha384', '-verify', pem, '-signature', sig, data], fmt: true },
      { k: keys.k1!, mech: 'ECDSA-SHA256', verify: (pem: string, sig: string) => ['dgst', '-sha256', '-verify', pem, '-signature', sig, data], fmt: true },
      { k: keys.ed!, mech: 'EDDSA', verify: (pem: string, sig: string) => ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-rawin', '-in', data, '-sigfile', sig], fmt: false },
      { k: keys.rsa!, mech: 'SHA256-RSA-PKCS-PSS', verify: (pem: string, sig: string) => ['dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32', '-verify', pem, '-signature', sig, data], fmt: false },
      { k: keys.rsa!, mech: 'SHA256-RSA-PKCS', verify: (pem: string, sig: string) => ['dgst', '-sha256', '-verify', pem, '-signature', sig, data], fmt: false },
    ];
    for (const c of cases) {
      const sig = join(agent.dir, `${c.k.label}-${c.mech}.sig`);
      const signed = await tool(['--login', '--pin', MODULE_PIN, '--sign', '-m', c.mech, '--id', ckaId(c.k), '-i', data, '-o', sig, ...(c.fmt ? ['--signature-format', 'openssl'] : [])]);
      expect(signed.code, `${c.mech}: ${signed.stderr}`).toBe(0);
      const ok = await runTool(openssl, c.verify(await exportPem(c.k), sig));
      expect(ok.stdout + ok.stderr, `${c.k.label} ${c.mech}`).toMatch(/Verified OK|Signature Verified Successfully/);
      // The same check fails on other data: openssl really checked.
      const other = join(agent.dir, 'other');
      writeFileSync(other, 'something else');
      const bad = await runTool(openssl, c.verify(join(agent.dir, `${c.k.id}.pem`), sig).map((a) => (a === data ? other : a)));
      expect(bad.stdout + bad.stderr).not.toMatch(/Verified OK|Signature Verified Successfully/);
    }
  });

  it('--test passes ("No errors")', async () => {
    const r = await tool(['--login', '--pin', MODULE_PIN, '--test']);
    expect(r.stdout + r.stderr).toMatch(/No errors/);
    expect(r.code).toBe(0);
  }, 120_000);

  it('a wrong PIN fails the login (CKR_PIN_INCORRECT)', async () => {
    const r = await tool(['--login', '--pin', 'not-the-pin', '--list-objects']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/CKR_PIN_INCORRECT/);
    await agent.client.callUnchecked('pkcs11.setPin', { pin: MODULE_PIN }); // reset the counter for the next tests
  });
});

describe('GnuTLS p11tool', () => {
  it('--list-all lists the wallet keys as PKCS#11 URLs', async () => {
    const r = await runTool(requireTool('p11tool'), ['--provider', agent.modulePath, '--list-all', 'pkcs11:token=OpenWallet'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Type: Public key \(EC\/ECDSA-SECP256R1\)/);
    expect(r.stdout).toMatch(/Type: Public key \(RSA-2048\)/);
    expect(r.stdout).toContain(`id=${ckaId(keys.p256!).replace(/../g, (b) => `%${b.toUpperCase()}`)}`);
    expect(r.stdout).not.toContain('invisible-key');
  });
});

describe('OpenSSH', () => {
  let sshd: ChildProcess | undefined;
  afterAll(() => {
    sshd?.kill('SIGTERM');
  });

  it('ssh-keygen -D lists the wallet keys in OpenSSH format, and ssh -I logs in to a loopback sshd with ECDSA and with RSA', async () => {
    const keygen = requireTool('ssh-keygen');
    const listed = await runTool(keygen, ['-D', agent.modulePath], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.trim().split('\n');
    const ecLine = lines.find((l) => l.endsWith(' wallet-p256'));
    const rsaLine = lines.find((l) => l.endsWith(' wallet-rsa'));
    expect(ecLine).toMatch(/^ecdsa-sha2-nistp256 AAAA/);
    expect(rsaLine).toMatch(/^ssh-rsa AAAA/);
    expect(listed.stdout).not.toContain('invisible-key');

    const dir = join(agent.dir, 'sshd');
    mkdirSync(dir, { recursive: true });
    mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation folder
    const host = await runTool(keygen, ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    expect(host.code).toBe(0);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const user = (await runTool('id', ['-un'])).stdout.trim();
    writeFileSync(join(dir, 'sshd_config'), [
      `Port ${port}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host_key')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no', 'UsePAM no', 'PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password', `PidFile ${join(dir, 'sshd.pid')}`, '',
    ].join('\n'));
    sshd = spawn(requireTool('sshd'), ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    sshd.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    for (let i = 0; i < 50 && !log.includes('Server listening'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(log).toContain('Server listening');
    const askpass = join(dir, 'askpass');
    writeFileSync(askpass, `#!/bin/sh\necho '${MODULE_PIN}'\n`);
    chmodSync(askpass, 0o700);
    const sshEnv = { ...env, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: '' };
    for (const line of [ecLine!, rsaLine!]) {
      writeFileSync(join(dir, 'authorized_keys'), line + '\n'); // only this key opens the door
      const login = await runTool(requireTool('ssh'), [
        '-F', '/dev/null', '-p', String(port), '-I', agent.modulePath, '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known_hosts')}`,
        '-o', 'PasswordAuthentication=no', '-o', 'ConnectTimeout=10', `${user}@127.0.0.1`, 'echo logged-in-through-the-wallet',
      ], { env: sshEnv, timeoutMs: 60_000 });
      expect(login.stdout, `${line.split(' ')[0]}: ${login.stderr}\n${log}`).toContain('logged-in-through-the-wallet');
      expect(readFileSync(join(dir, 'authorized_keys'), 'utf8')).toBe(line + '\n');
    }
  }, 120_000);
});

describe('OpenSSL pkcs11 engine (libp11)', () => {
  let ecOnly: TestAgent | undefined;
  afterAll(async () => {
    await ecOnly?.cleanup();
  });

  it('signs with a wallet key (ECDSA P-256 and RSA PKCS#1 v1.5) and openssl verifies', async () => {
    const engine = requirePkcs11Engine();
    const openssl = requireTool('openssl');
    // libp11 0.4.12 stops enumerating keys at the first key type it does not know (Ed25519): a wallet of EC and RSA
    // keys for it.
    ecOnly = await startAgent();
    const ec = await ecOnly.generate('p256', 'engine-ec');
    const rsa = await ecOnly.generate('rsa-2048', 'engine-rsa');
    const conf = join(ecOnly.dir, 'openssl.cnf');
    writeFileSync(conf, [
      'openssl_conf = openssl_init', '[openssl_init]', 'engines = engine_section', '[engine_section]', 'pkcs11 = pkcs11_section',
      '[pkcs11_section]', 'engine_id = pkcs11', `dynamic_path = ${engine}`, `MODULE_PATH = ${ecOnly.modulePath}`, 'init = 0', '',
    ].join('\n'));
    const data = join(ecOnly.dir, 'data');
    writeFileSync(data, 'engine data');
    const e = { ...process.env, ...ecOnly.env, OPENSSL_CONF: conf };
    for (const k of [ec, rsa]) {
      const uri = `pkcs11:id=${ckaId(k).replace(/../g, (b) => `%${b}`)};type=private;pin-value=${MODULE_PIN}`;
      const sig = join(ecOnly.dir, `${k.label}.sig`);
      const signed = await runTool(openssl, ['dgst', '-sha256', '-engine', 'pkcs11', '-keyform', 'engine', '-sign', uri, '-out', sig, data], { env: e });
      expect(signed.code, signed.stderr).toBe(0);
      const out = (await ecOnly.client.callUnchecked('keys.export', { id: k.id, format: 'spki' })) as { data: string };
      const der = join(ecOnly.dir, `${k.label}.der`);
      writeFileSync(der, Buffer.from(out.data, 'base64url'));
      const ok = await runTool(openssl, ['dgst', '-sha256', '-keyform', 'DER', '-verify', der, '-signature', sig, data]);
      expect(ok.stdout, ok.stderr).toContain('Verified OK');
    }
  }, 120_000);
});
