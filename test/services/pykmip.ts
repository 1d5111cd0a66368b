// Starts a real KMIP server (PyKMIP 0.10, Debian package `python3-pykmip`) on a free loopback port, with a CA, a
// server and client certificates made per run by openssl (the client certificate has extendedKeyUsage=clientAuth,
// which PyKMIP requires), its SQLite database and log in a temporary folder. Also makes a "rogue" client
// certificate from another CA, for tests of a refused client.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface PemFiles {
  cert: string;
  key: string;
}

export interface PyKmip {
  host: string;
  port: number;
  dir: string;
  /** The CA that signed the server and the client certificates (PEM file). */
  caPath: string;
  client: PemFiles;
  /** A client certificate and key from another CA: the server must refuse it. */
  rogue: PemFiles;
  /** A client certificate from the right CA without extendedKeyUsage=clientAuth. */
  noClientAuth: PemFiles;
  pem(path: string): string;
  log(): string;
  /** Stop the server (the database is kept, so `restart` finds the same keys). */
  stop(): Promise<void>;
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

function assertInstalled(): void {
  const r = spawnSync('pykmip-server', ['--help'], { stdio: 'ignore' });
  if (r.error || r.status !== 0) throw new Error('pykmip-server not found: install the Debian package `python3-pykmip`');
  const o = spawnSync('openssl', ['version'], { stdio: 'ignore' });
  if (o.error) throw new Error('openssl not found: install the Debian package `openssl`');
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/** A CA, and certificates it signs with the given extensions (an openssl extension file section each). */
function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`,
    '-keyout', `${name}.key`, '-out', `${name}.pem`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

function makeCert(dir: string, ca: string, name: string, cn: string, ext: string): PemFiles {
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${cn}`, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-days', '2', '-out', `${name}.pem`, '-extfile', `${name}.ext`], dir);
  return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Signal the server and the processes it forked (its process group, led by the server we spawned). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startPyKmip(): Promise<PyKmip> {
  assertInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'owkms-pykmip-'));
  const certs = join(dir, 'certs');
  mkdirSync(certs);
  mkdirSync(join(dir, 'policies'));
  makeCa(certs, 'ca');
  makeCa(certs, 'rogue-ca');
  const server = makeCert(certs, 'ca', 'server', '127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n');
  const client = makeCert(certs, 'ca', 'client', 'owkms-test-client', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n');
  const rogue = makeCert(certs, 'rogue-ca', 'rogue', 'owkms-test-client', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n');
  const noClientAuth = makeCert(certs, 'ca', 'noauth', 'owkms-test-client', 'extendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n');
  const port = await freePort();
  const conf = join(dir, 'server.conf');
  const logPath = join(dir, 'server.log');
  writeFileSync(conf, [
    '[server]',
    'hostname=127.0.0.1',
    `port=${port}`,
    `certificate_path=${server.cert}`,
    `key_path=${server.key}`,
    `ca_path=${join(certs, 'ca.pem')}`,
    'auth_suite=TLS1.2',
    `policy_path=${join(dir, 'policies')}`,
    'enable_tls_client_auth=True',
    'logging_level=INFO',
    `database_path=${join(dir, 'pykmip.sqlite')}`,
    '',
  ].join('\n'));

  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async (): Promise<void> => {
    // Its own process group: PyKMIP forks a policy-directory monitor (multiprocessing) that outlives a killed parent.
    const c = spawn('pykmip-server', ['-f', conf, '-l', logPath], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir, detached: true });
    child = c;
    c.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const deadline = Date.now() + 20_000;
    while (!(await canConnect(port))) {
      if (c.exitCode !== null) throw new Error(`pykmip-server exited (${c.exitCode}): ${stderr.trim()}`);
      if (Date.now() > deadline) {
        killGroup(c, 'SIGKILL');
        throw new Error(`pykmip-server did not listen on 127.0.0.1:${port} within 20 s: ${stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (!c) return;
    if (c.exitCode === null && c.signalCode === null) killGroup(c, 'SIGTERM');
    const killer = setTimeout(() => killGroup(c, 'SIGKILL'), 5000);
    await waitExit(c);
    clearTimeout(killer);
    // The monitor child may still be there after the parent exited.
    killGroup(c, 'SIGKILL');
    child = undefined;
  };
  await start();
  return {
    host: '127.0.0.1',
    port,
    dir,
    caPath: join(certs, 'ca.pem'),
    client,
    rogue,
    noClientAuth,
    pem: (path) => readFileSync(path, 'utf8'),
    log: () => {
      try {
        return readFileSync(logPath, 'utf8');
      } catch {
        return '';
      }
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
