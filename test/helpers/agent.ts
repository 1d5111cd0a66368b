// Test helper: a real `owkms agent` (bin/owkms.js) over a temporary keystore, its socket in a temporary runtime
// folder, and an owkms session to it (caller cli) for quick setup through the same socket.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { KeyInfo } from '../../kms-process/api/index.js';
import type { ChannelClient } from '../../kms-process/client/channelClient.js';
import { agentSession } from '../../cli/session.js';
import { pkcs11ModulePath } from '../../cli/pkcs11ModulePath.js';
import { PASSPHRASE, removeDir, tempDir } from './kms.js';
import { OWKMS_BIN } from './owkms.js';

export const MODULE_PIN = '4711-pin';

export interface TestAgent {
  dir: string;
  store: string;
  socket: string;
  session: string;
  modulePath: string;
  child: ChildProcess;
  /** Environment for owkms and for programs that load the module (they find the socket through it). */
  env: Record<string, string>;
  /** A cli session over the agent's socket. */
  client: ChannelClient;
  stderr: () => string;
  generate(algorithm: string, label: string, extra?: Record<string, unknown>): Promise<KeyInfo>;
  /** Stop the agent (SIGTERM, then SIGKILL) and wait for it. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  cleanup(): Promise<void>;
}

export interface AgentOptions {
  lockAfterS?: number;
  /** Initialize the keystore and set the module's PIN (default true). */
  init?: boolean;
  dir?: string;
  extraEnv?: Record<string, string>;
}

/** Start `owkms agent --json` and read its first line: the socket and the session token. */
export async function startAgent(opts: AgentOptions = {}): Promise<TestAgent> {
  if (!existsSync(pkcs11ModulePath())) {
    throw new Error(`the PKCS#11 module is not built (${pkcs11ModulePath()}): install the Debian packages libjson-c-dev and libpkcs11-helper1-dev, then run node native/install.mjs`);
  }
  const dir = opts.dir ?? tempDir('owkms-agent-');
  const store = join(dir, 'store');
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { recursive: true, mode: 0o700 });
  const socket = join(runtime, 'owkms', 'agent.sock');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    OWKMS_STORE: store,
    XDG_RUNTIME_DIR: runtime,
    OWKMS_SOCKET: socket,
    ...(opts.extraEnv ?? {}),
  };
  const args = [OWKMS_BIN, '--json', 'agent', '--lock-after', String(opts.lockAfterS ?? 0)];
  // No controlling terminal (detached): the agent refuses guarded operations instead of prompting.
  const child = spawn(process.execPath, args, { env: { ...env, OWKMS_PASSPHRASE: PASSPHRASE }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const first = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`owkms agent did not start: ${err}`)), 20_000);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`owkms agent exited with ${code}: ${err}`)));
  });
  const { session } = JSON.parse(first) as { session: string };
  env.OWKMS_SESSION = session;
  const conn = await agentSession(store, env);
  if (!conn) throw new Error('no session with the agent');
  const agent: TestAgent = {
    dir,
    store,
    socket,
    session,
    modulePath: pkcs11ModulePath(),
    child,
    env,
    client: conn.client,
    stderr: () => err,
    generate: (algorithm, label, extra = {}) =>
      conn.client.callUnchecked('keys.generate', { algorithm, label, callers: ['cli', 'pkcs11'], ...extra }) as Promise<KeyInfo>,
    stop: async (signal = 'SIGTERM') => {
      await conn.close();
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        child.kill(signal);
      });
    },
    cleanup: async () => {
      await agent.stop();
      removeDir(dir);
    },
  };
  if (opts.init !== false) {
    await conn.client.callUnchecked('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    await conn.client.callUnchecked('pkcs11.setPin', { pin: MODULE_PIN });
  }
  return agent;
}

/** The CKA_ID of a key as hex (what pkcs11-tool --id and PKCS#11 URIs take). */
export function ckaId(key: KeyInfo): string {
  return Buffer.from(key.id, 'base64url').toString('hex');
}
