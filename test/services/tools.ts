// Real programs the tests drive (OpenSC, OpenSSL, OpenSSH, GnuTLS): a missing one fails the test naming its Debian
// package, never skips it.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

export const run = promisify(execFile);

const PACKAGES: Record<string, string> = {
  'pkcs11-tool': 'opensc',
  openssl: 'openssl',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  sshd: 'openssh-server',
  p11tool: 'gnutls-bin',
  setpriv: 'util-linux',
  gcc: 'gcc',
};

const PATHS: Record<string, string[]> = { sshd: ['/usr/sbin/sshd'] };

/** The path of a tool, or an error naming the Debian package that has it. */
export function requireTool(name: string): string {
  for (const p of PATHS[name] ?? []) if (existsSync(p)) return p;
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  throw new Error(`${name} is missing: install the Debian package ${PACKAGES[name] ?? name} (scripts/test-all.sh does)`);
}

/** OpenSSL's pkcs11 engine from libengine-pkcs11-openssl. */
export function requirePkcs11Engine(): string {
  for (const p of ['/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so', '/usr/lib/aarch64-linux-gnu/engines-3/pkcs11.so', '/usr/lib/engines-3/pkcs11.so']) {
    if (existsSync(p)) return p;
  }
  throw new Error('the OpenSSL pkcs11 engine is missing: install the Debian package libengine-pkcs11-openssl');
}

export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Run a program with a deadline (a consumer that hangs is a failure, not a stuck test); never throws. */
export function runTool(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number; cwd?: string } = {}): Promise<ToolRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 30_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
  });
}
