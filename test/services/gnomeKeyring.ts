// Starts a private D-Bus session bus and an unlocked gnome-keyring Secret Service in a temporary HOME, and runs
// TypeScript modules in a child process with that environment (libdbus reads the bus address once per process).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SecretServiceSession {
  /** Environment for a child process that should see this Secret Service (and nothing of the test's own). */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function assertInstalled(bin: string, pkg: string): void {
  if (spawnSync(bin, ['--version'], { stdio: 'ignore' }).error) {
    throw new Error(`${bin} not found: install the Debian package \`${pkg}\``);
  }
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', () => r()));
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await waitExit(child);
}

/** Base environment with a temporary HOME and XDG folders, without the caller's own D-Bus or keyring. */
export function isolatedEnv(base: string): NodeJS.ProcessEnv {
  const home = join(base, 'home');
  const run = join(base, 'run');
  mkdirSync(home, { recursive: true });
  mkdirSync(run, { recursive: true, mode: 0o700 });
  return {
    PATH: process.env.PATH,
    HOME: home,
    XDG_RUNTIME_DIR: run,
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
}

/** Starts dbus-daemon (ours, --nofork) and gnome-keyring-daemon --unlock with a test password on stdin. */
export async function startSecretService(password = 'owkms-test-keyring'): Promise<SecretServiceSession> {
  assertInstalled('dbus-daemon', 'dbus');
  assertInstalled('gnome-keyring-daemon', 'gnome-keyring');
  const base = mkdtempSync(join(tmpdir(), 'owkms-keyring-'));
  const env = isolatedEnv(base);
  const bus = spawn('dbus-daemon', ['--session', '--nofork', `--address=unix:path=${join(base, 'bus')}`,
    '--print-address=1'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await new Promise<string>((res, rej) => {
    let out = '';
    let err = '';
    bus.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) res(out.split('\n')[0]!.trim());
    });
    bus.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    bus.once('exit', (code) => rej(new Error(`dbus-daemon exited (${code}): ${err.trim()}`)));
  });
  env.DBUS_SESSION_BUS_ADDRESS = address;
  // --foreground keeps the daemon our child, so stop() ends exactly the process we started.
  const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let kerr = '';
  keyring.stderr?.on('data', (d: Buffer) => (kerr += d.toString()));
  keyring.stdin?.end(password);
  const stop = async (): Promise<void> => {
    await stopChild(keyring);
    await stopChild(bus);
    rmSync(base, { recursive: true, force: true });
  };
  // Ready when org.freedesktop.secrets has an owner on our bus.
  const deadline = Date.now() + 10_000;
  for (;;) {
    const q = spawnSync('dbus-send', ['--session', '--print-reply', '--dest=org.freedesktop.DBus',
      '/org/freedesktop/DBus', 'org.freedesktop.DBus.NameHasOwner', 'string:org.freedesktop.secrets'],
    { env, encoding: 'utf8' });
    if (q.stdout?.includes('boolean true')) break;
    if (keyring.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`gnome-keyring-daemon did not register the Secret Service: ${kerr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { env, stop };
}

export type ChildOutcome<T> =
  | { ok: true; value: T }
  | { ok: false; error: { name: string; message: string; kind?: string; data?: unknown } };

// Loads a TypeScript module through Vite's module runner (the same transform vitest uses) and calls one export.
const RUNNER = `
import { createServer, createServerModuleRunner } from 'vite';
const [file, fn, args] = JSON.parse(process.argv[1]);
const server = await createServer({ root: process.cwd(), configFile: false, logLevel: 'error', appType: 'custom',
  server: { middlewareMode: true, hmr: false, ws: false }, optimizeDeps: { noDiscovery: true, include: [] } });
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
let out;
try {
  const mod = await runner.import(file);
  out = { ok: true, value: await mod[fn](...args) };
} catch (e) {
  out = { ok: false, error: { name: e?.name, message: e?.message, kind: e?.kind, data: e?.data } };
}
process.stdout.write('\\n@@RESULT@@' + JSON.stringify(out) + '\\n');
await runner.close();
await server.close();
process.exit(0);
`;

/** Calls `fn(...args)` exported by the TypeScript module `file` in a child Node process with exactly `env`. */
export function callInChild<T>(env: NodeJS.ProcessEnv, file: string, fn: string, args: unknown[] = []):
Promise<ChildOutcome<T>> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', RUNNER, JSON.stringify([file, fn, args])], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', rej);
    child.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('@@RESULT@@'));
      if (!line) return rej(new Error(`child exited (${code}) without a result: ${err.trim()}`));
      res(JSON.parse(line.slice('@@RESULT@@'.length)) as ChildOutcome<T>);
    });
  });
}
